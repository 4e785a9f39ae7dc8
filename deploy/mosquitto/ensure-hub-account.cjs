#!/usr/bin/env node
'use strict';
/**
 * Step 4 of README.md in this folder, as a program: gives the hub's Mosquitto account (the dynsec admin created by
 * `mosquitto_ctrl dynsec init`) the `fleetbench-hub` role, so the same account can publish jobs, read every agent
 * channel and hold the shared subscription. Idempotent: an existing role is brought in line, an existing client keeps
 * its password. It runs the hub's own code (DynsecBrokerAuthority.ensureHubAccount), so it needs the built hub:
 * the hub image, or a checkout after `npm run build`.
 *
 *   MQTT_URL='mqtt://fleetbench-hub:HUBPASS@broker:1883' node deploy/mosquitto/ensure-hub-account.cjs
 *
 * MQTT_URL is the hub's own MQTT_URL (URL-encode the password). The broker may still be starting: connecting is
 * retried for FLEETBENCH_SETUP_TIMEOUT_S seconds (default 60). Exit 0 when the account is ready, 1 otherwise.
 */
const { randomBytes } = require('node:crypto');
const { createRequire } = require('node:module');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const hubRequire = createRequire(path.join(root, 'apps/hub/package.json'));

function fail(message) {
  process.stderr.write(`ensure-hub-account: ${message}\n`);
  process.exit(1);
}

async function connect(mqtt, url, username, password, deadline) {
  for (;;) {
    try {
      return await mqtt.connectAsync(url, {
        username,
        password,
        clientId: `fleetbench-setup-${randomBytes(4).toString('hex')}`,
        reconnectPeriod: 0,
        connectTimeout: 5000,
      });
    } catch (err) {
      // Wrong credentials will not get better by waiting.
      if (/not authori[sz]ed|bad user name or password/i.test(err.message) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function main() {
  if (!process.env.MQTT_URL) fail('MQTT_URL is not set (mqtt://fleetbench-hub:PASSWORD@broker:1883)');
  let parsed;
  try {
    parsed = new URL(process.env.MQTT_URL);
  } catch {
    fail('MQTT_URL is not a URL');
  }
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  if (!username || !password) fail('MQTT_URL carries no user name and password (mqtt://USER:PASSWORD@host:port)');
  parsed.username = '';
  parsed.password = '';
  const brokerUrl = parsed.toString();

  let mqtt;
  let DynsecBrokerAuthority;
  try {
    mqtt = hubRequire('mqtt');
    ({ DynsecBrokerAuthority } = require(path.join(root, 'apps/hub/dist/broker/mosquitto-dynsec.js')));
  } catch (err) {
    fail(`the hub is not built here (${err.message}); run \`npm run build\` or use the hub image`);
  }

  const deadline = Date.now() + Number(process.env.FLEETBENCH_SETUP_TIMEOUT_S ?? 60) * 1000;
  // Mosquitto disconnects every session of a user whose roles change, this one included, sometimes before the answer
  // to addClientRole goes out: the next round then finds everything in place and confirms it.
  for (let attempt = 1; ; attempt++) {
    const client = await connect(mqtt, brokerUrl, username, password, deadline).catch((err) =>
      fail(`cannot connect to ${brokerUrl} as ${username}: ${err.message}`),
    );
    const authority = new DynsecBrokerAuthority(client, undefined, { timeoutMs: 5000 });
    try {
      await authority.ensureHubAccount(username, password);
      process.stdout.write(`ensure-hub-account: ${username} on ${brokerUrl} has the fleetbench-hub role\n`);
      return;
    } catch (err) {
      if (attempt >= 3) fail(err.message);
      process.stderr.write(
        `ensure-hub-account: ${err.message} (Mosquitto drops a user whose roles change; checking again)\n`,
      );
    } finally {
      authority.dispose();
      client.end(true);
    }
  }
}

main().catch((err) => fail(err.stack ?? String(err)));
