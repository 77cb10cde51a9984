/**
 * The balancer configs committed under `deploy/`: what `renderNginx` and `renderHaproxy` give
 * for the compose file's three app containers (`app1`…`app3` on port 3000). A test renders
 * them again and compares, so the committed files never drift from the renderers.
 */
import { renderHaproxy } from './haproxy.js';
import { renderNginx } from './nginx.js';
import type { RenderOptions } from './options.js';

/** The app containers of `deploy/compose.yaml`, as the balancers address them. */
export const DEPLOY_BACKENDS = [
  { id: 'app1', host: 'app1', port: 3000 },
  { id: 'app2', host: 'app2', port: 3000 },
  { id: 'app3', host: 'app3', port: 3000 },
] as const;

/** nginx in the `nginx` container: port 80, root master (workers as nobody), logs to stdio. */
export const DEPLOY_NGINX: RenderOptions = {
  mode: 'shared',
  backends: DEPLOY_BACKENDS,
  listen: { host: '0.0.0.0', port: 80 },
  prefix: '/tmp/nginx',
  logs: 'stdio',
  workers: 'auto',
};

/**
 * HAProxy in the `haproxy` container. The official image runs it as the `haproxy` user, hence
 * port 8080 and a prefix that user owns; names are resolved at run time through the
 * container's resolver so a restarted app container is found at its new address.
 */
export const DEPLOY_HAPROXY: RenderOptions = {
  mode: 'shared',
  backends: DEPLOY_BACKENDS,
  listen: { host: '0.0.0.0', port: 8080 },
  prefix: '/var/lib/haproxy',
  logs: 'stdio',
  dns: true,
};

/**
 * The committed balancer files, by path relative to the repository root.
 *
 * @example
 * for (const [path, text] of Object.entries(deployConfigs())) writeFileSync(join(root, path), text);
 */
export function deployConfigs(): Record<string, string> {
  return {
    'deploy/nginx/nginx.conf': renderNginx(DEPLOY_NGINX),
    'deploy/haproxy/haproxy.cfg': renderHaproxy(DEPLOY_HAPROXY),
  };
}
