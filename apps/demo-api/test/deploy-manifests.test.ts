import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { main as memkitServer } from '../../../packages/core/src/cli/memkit-server.js';
import { readDemoConfig } from '../src/index.js';

const deploy = (path: string) => fileURLToPath(new URL(`../deploy/${path}`, import.meta.url));
const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/** Parsed YAML, walked by shape and asserted on. */
type Doc = ReturnType<typeof parse>;

/** Whether memkit-server accepts `flags` (memcached's own): it parses them, then `-h` exits 0. */
async function memkitServerAccepts(flags: string[]): Promise<boolean> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return (await memkitServer([...flags, '-h'])) === 0;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/**
 * A container's env as Kubernetes gives it to the process: `$(NAME)` expands to a variable
 * defined earlier in the list, `metadata.namespace` is `namespace`; secrets are left out.
 */
function expandedEnv(
  list: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[],
  namespace: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of list) {
    if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = namespace;
    if (e.value !== undefined) {
      env[e.name] = e.value.replace(/\$\((\w+)\)/g, (ref, name: string) => env[name] ?? ref);
    }
  }
  return env;
}

describe('deploy/docker-compose.yml', () => {
  const compose: Doc = parse(readFileSync(deploy('docker-compose.yml'), 'utf8'), { merge: true });
  const memcached = ['memcached-1', 'memcached-2', 'memcached-3'];

  it('runs three memcached with -m 256 -c 512, flags memkit-server takes too', async () => {
    for (const name of memcached) {
      const command: string[] = compose.services[name].command;
      expect(command[0]).toBe('memcached');
      expect(command.join(' ')).toContain('-m 256 -c 512');
      expect(await memkitServerAccepts(command.slice(1))).toBe(true);
    }
    // The check itself can fail: a flag memkit-server does not know is refused.
    expect(await memkitServerAccepts(['--no-such-flag'])).toBe(false);
  });

  it('points the demo at those three nodes, on the port it publishes', () => {
    const demo = compose.services['demo-api'];
    const env: Record<string, string> = demo.environment;
    const port = compose.services[memcached[0]!].command.at(
      compose.services[memcached[0]!].command.indexOf('-p') + 1,
    );
    expect(env.MEMCACHED_SERVERS!.split(',')).toEqual(memcached.map((m) => `${m}:${port}`));
    const config = readDemoConfig(env);
    expect(demo.ports).toEqual([`${config.port}:${config.port}`]);
    expect(env.HOST).toBe('0.0.0.0');
    expect(demo.command).toEqual(['node', 'apps/demo-api/dist/main.js']);
    expect(Object.keys(demo.depends_on).sort()).toEqual(memcached);
  });

  it('requires SESSION_SECRET and ADMIN_TOKEN, which the production image cannot start without', () => {
    const env: Record<string, string> = compose.services['demo-api'].environment;
    expect(env.SESSION_SECRET).toMatch(/^\$\{SESSION_SECRET:\?.+\}$/);
    expect(env.ADMIN_TOKEN).toMatch(/^\$\{ADMIN_TOKEN:\?.+\}$/);
    expect(readFileSync(deploy('Dockerfile'), 'utf8')).toMatch(/ENV NODE_ENV=production/);
    expect(() => readDemoConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET is not set/);
  });

  it('Prometheus scrapes /metrics with the admin token from a secret, as a bearer token', () => {
    const prometheus = compose.services.prometheus;
    expect(compose.secrets.admin_token).toEqual({ environment: 'ADMIN_TOKEN' });
    expect(prometheus.secrets).toEqual(['admin_token']);
    const [file, mounted] = (prometheus.volumes[0] as string).split(':');
    expect(prometheus.command).toContain(`--config.file=${mounted}`);
    const config: Doc = parse(readFileSync(deploy(file!.replace('./', '')), 'utf8'));
    const job = config.scrape_configs[0];
    expect(job.metrics_path).toBe('/metrics');
    expect(job.authorization).toEqual({
      type: 'Bearer',
      credentials_file: '/run/secrets/admin_token',
    });
    const port = readDemoConfig(compose.services['demo-api'].environment).port;
    expect(job.static_configs[0].targets).toEqual([`demo-api:${port}`]);
  });

  it('runs the entry point the package builds', () => {
    const pkg = JSON.parse(readFileSync(repo('apps/demo-api/package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe('node dist/main.js');
    expect(existsSync(repo('apps/demo-api/src/main.ts'))).toBe(true);
    const dockerfile = readFileSync(deploy('Dockerfile'), 'utf8');
    expect(dockerfile).toContain('CMD ["node", "apps/demo-api/dist/main.js"]');
    expect(dockerfile).toMatch(/EXPOSE 3000/);
  });
});

describe('deploy/k8s', () => {
  const docs: Doc[] = [
    ...parseAllDocuments(readFileSync(deploy('k8s/memcached.yaml'), 'utf8')),
    ...parseAllDocuments(readFileSync(deploy('k8s/demo-api.yaml'), 'utf8')),
    ...parseAllDocuments(readFileSync(deploy('k8s/prometheus-scrape.yaml'), 'utf8')),
  ].map((d) => d.toJS());
  const find = (kind: string, name: string): Doc => {
    const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
    expect(doc, `${kind}/${name}`).toBeDefined();
    return doc;
  };

  it('memcached: a headless Service over a StatefulSet running flags memkit-server takes', async () => {
    const headless = find('Service', 'memcached');
    const sts = find('StatefulSet', 'memcached');
    expect(headless.spec.clusterIP).toBe('None');
    expect(sts.spec.serviceName).toBe(headless.metadata.name);
    expect(headless.spec.selector).toEqual(sts.spec.template.metadata.labels);
    const container = sts.spec.template.spec.containers[0];
    expect(container.args.join(' ')).toContain('-m 256 -c 512');
    expect(await memkitServerAccepts(container.args)).toBe(true);
    const port = Number(container.args[container.args.indexOf('-p') + 1]);
    expect(container.ports[0].containerPort).toBe(port);
    expect(headless.spec.ports[0].port).toBe(port);
    expect(container.livenessProbe.tcpSocket.port).toBe(port);
    expect(container.readinessProbe.tcpSocket.port).toBe(port);
  });

  it('demo-api: env, ports and TCP probes agree with the app, the Service and the HPA', () => {
    const deployment = find('Deployment', 'demo-api');
    const service = find('Service', 'demo-api');
    const hpa = find('HorizontalPodAutoscaler', 'demo-api');
    const container = deployment.spec.template.spec.containers[0];
    const env = expandedEnv(container.env, 'default');
    expect(env.NODE_ENV).toBe('production');
    const config = readDemoConfig({ ...env, SESSION_SECRET: 'x'.repeat(32) });
    expect(container.ports[0].containerPort).toBe(config.port);
    expect(container.livenessProbe.tcpSocket.port).toBe(config.port);
    expect(container.readinessProbe.tcpSocket.port).toBe(config.port);
    expect(env.HOST).toBe('0.0.0.0');
    expect(container.command).toEqual(['node', 'apps/demo-api/dist/main.js']);
    // No fixed list: the fleet is discovered, so scaling the StatefulSet changes nothing here.
    expect(env.MEMCACHED_SERVERS).toBeUndefined();
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(service.spec.ports[0].targetPort).toBe(config.port);
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'demo-api' });
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
  });

  it("demo-api discovers the StatefulSet's pods from the headless Service's SRV records, in its own namespace", () => {
    const container = find('Deployment', 'demo-api').spec.template.spec.containers[0];
    const headless = find('Service', 'memcached');
    const port = headless.spec.ports[0];
    expect(port.protocol ?? 'TCP').toBe('TCP');
    // Only ready pods are published, so a starting or failing memcached never joins the ring.
    expect(headless.spec.publishNotReadyAddresses ?? false).toBe(false);
    for (const namespace of ['default', 'shop']) {
      const env = expandedEnv(container.env, namespace);
      const config = readDemoConfig({ ...env, SESSION_SECRET: 'x'.repeat(32) });
      // The name Kubernetes DNS gives the SRV records of a named port of a headless Service.
      expect(config.discovery).toMatchObject({
        dns: `_${port.name}._tcp.${headless.metadata.name}.${namespace}.svc.cluster.local`,
        srv: true,
      });
      expect(config.servers).toBeUndefined();
    }
    // Referenced after it is defined, or Kubernetes leaves "$(POD_NAMESPACE)" as it is.
    const names = container.env.map((e: { name: string }) => e.name);
    expect(names.indexOf('POD_NAMESPACE')).toBeLessThan(names.indexOf('MEMCACHED_DISCOVERY'));
    expect(container.env.find((e: { name: string }) => e.name === 'TRUST_PROXY')).toBeUndefined();
  });

  it('demo-api: SESSION_SECRET and ADMIN_TOKEN come from the "demo-api" Secret', () => {
    const container = find('Deployment', 'demo-api').spec.template.spec.containers[0];
    for (const name of ['SESSION_SECRET', 'ADMIN_TOKEN']) {
      const entry = container.env.find((e: { name: string }) => e.name === name);
      expect(entry.valueFrom.secretKeyRef).toEqual({ name: 'demo-api', key: name });
    }
  });

  it("the Prometheus scrape job sends the Secret's ADMIN_TOKEN as a bearer token to every demo-api pod", () => {
    const map = find('ConfigMap', 'prometheus-demo-api-scrape');
    const job = parse(map.data['demo-api-scrape.yml']).scrape_configs[0];
    expect(job.metrics_path).toBe('/metrics');
    expect(job.authorization).toEqual({
      type: 'Bearer',
      credentials_file: '/etc/prometheus/secrets/demo-api/ADMIN_TOKEN',
    });
    const deployment = find('Deployment', 'demo-api');
    const keep = Object.fromEntries(
      job.relabel_configs.map((r: { source_labels: string[]; regex: string }) => [
        r.source_labels[0],
        r.regex,
      ]),
    );
    expect(keep.__meta_kubernetes_pod_label_app).toBe(deployment.spec.template.metadata.labels.app);
    expect(keep.__meta_kubernetes_pod_container_port_name).toBe(
      deployment.spec.template.spec.containers[0].ports[0].name,
    );
  });
});
