// Minimal REST client for the hub, used by the start script and the end-to-end tests.
export class HubClient {
  constructor(baseUrl, token) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.token = token;
  }

  async request(method, path, body) {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const err = new Error(`${method} ${path} → ${res.status}: ${json?.message ?? text}`);
      err.status = res.status;
      err.body = json;
      throw err;
    }
    return json;
  }

  get(path) {
    return this.request('GET', path);
  }

  post(path, body) {
    return this.request('POST', path, body ?? {});
  }

  /**
   * Registers zoo models (POST /api/v1/models/zoo: { family } | { names } | { all: true }, optional seed) and waits
   * for the registration task: the hub builds each new recipe once to learn its sha256. Resolves to the finished task
   * ({ state, models, errors, … }); `onProgress(task)` sees every poll.
   */
  async registerZoo(body, { timeoutMs = 30 * 60_000, pollMs = 500, onProgress = () => {} } = {}) {
    let task = await this.post('/api/v1/models/zoo', body);
    const deadline = Date.now() + timeoutMs;
    onProgress(task);
    while (task.state === 'running') {
      if (Date.now() > deadline)
        throw new Error(
          `zoo registration ${task.id} still running after ${timeoutMs / 1000} s (${task.done}/${task.total})`,
        );
      await new Promise((r) => setTimeout(r, pollMs));
      task = await this.get(`/api/v1/models/zoo/tasks/${task.id}`);
      onProgress(task);
    }
    return task;
  }

  /** Polls GET /api/v1/health until it answers ok or the deadline passes. */
  async waitHealthy(timeoutMs = 60_000, isAlive = () => true) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      if (!isAlive()) throw new Error('the hub process exited during start-up; see its log above');
      try {
        const h = await this.get('/api/v1/health');
        if (h.status === 'ok') return h;
        last = JSON.stringify(h);
      } catch (e) {
        last = e.message;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`the hub at ${this.baseUrl} did not become healthy within ${timeoutMs / 1000} s (${last})`);
  }
}
