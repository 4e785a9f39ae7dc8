'use client';

import { useActionState } from 'react';
import { login, type LoginState } from './actions';

export function LoginForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState<LoginState, FormData>(login, {});
  return (
    <form action={action} className="login-form" data-testid="login-form">
      <input type="hidden" name="next" value={next} />
      <label htmlFor="token">API token</label>
      <input
        id="token"
        name="token"
        type="password"
        autoComplete="current-password"
        required
        autoFocus
        spellCheck={false}
        placeholder="Bearer token of the hub"
        aria-invalid={state.error ? true : undefined}
        aria-describedby={state.error ? 'login-error' : undefined}
      />
      <button type="submit" className="btn btn-primary" disabled={pending} data-testid="login-submit">
        {pending ? 'Checking…' : 'Sign in'}
      </button>
      {state.error ? (
        <div id="login-error" className="notice notice-error" role="alert" data-testid="login-error">
          <strong>{state.error}</strong>
          {state.hint ? <p>{state.hint}</p> : null}
        </div>
      ) : null}
    </form>
  );
}
