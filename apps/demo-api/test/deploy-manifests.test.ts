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

function envOf(list: { name: string; value: string }[]): Record<string, string> {
  return Object.fromEntries(list.map((e) => [e.name, e.value]));
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
    const sts = find('StatefulSet', 'memcached');
    const headless = find('Service', 'memcached');
    const container = deployment.spec.template.spec.containers[0];
    const env = envOf(container.env);
    const config = readDemoConfig(env);
    expect(container.ports[0].containerPort).toBe(config.port);
    expect(container.livenessProbe.tcpSocket.port).toBe(config.port);
    expect(container.readinessProbe.tcpSocket.port).toBe(config.port);
    expect(env.HOST).toBe('0.0.0.0');
    expect(container.command).toEqual(['node', 'apps/demo-api/dist/main.js']);
    // Every StatefulSet pod by its stable DNS name, on the headless Service's port.
    const expected = Array.from(
      { length: sts.spec.replicas },
      (_, i) =>
        `${sts.metadata.name}-${i}.${headless.metadata.name}:${headless.spec.ports[0].port}`,
    );
    expect(env.MEMCACHED_SERVERS!.split(',')).toEqual(expected);
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(service.spec.ports[0].targetPort).toBe(config.port);
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'demo-api' });
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
  });
});
