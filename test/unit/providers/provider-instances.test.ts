import { describe, expect, it } from 'vitest';
import { ProviderConfigError, resolveProviderInstances } from '../../../src/providers/provider-instances.js';

const byId = (instances: ReturnType<typeof resolveProviderInstances>, id: string) => instances.find((instance) => instance.id === id);

describe('resolveProviderInstances', () => {
  it('reads <ID>_API_KEY, the SDK variable names and <ID>_BASE_URL', () => {
    const instances = resolveProviderInstances(
      {
        OPENAI_API_KEY: 'sk-a, sk-b ,',
        FAL_KEY: 'id:secret',
        REPLICATE_API_TOKEN: 'r8_x',
        GEMINI_API_KEY: 'g',
        OPENAI_BASE_URL: 'http://127.0.0.1:9/v1/',
      },
      undefined,
    );
    expect(byId(instances, 'openai')).toMatchObject({ configured: true, apiKeys: ['sk-a', 'sk-b'], baseUrl: 'http://127.0.0.1:9/v1' });
    expect(byId(instances, 'fal')).toMatchObject({ configured: true, apiKeys: ['id:secret'], baseUrl: 'https://queue.fal.run' });
    expect(byId(instances, 'replicate')?.apiKeys).toEqual(['r8_x']);
    expect(byId(instances, 'gemini')?.configured).toBe(true);
    expect(byId(instances, 'imagen')?.configured).toBe(true);
    expect(byId(instances, 'bfl')).toMatchObject({ configured: false, missing: 'BFL_API_KEY' });
    expect(byId(instances, 'test')?.configured).toBe(true);
  });

  it('configures keyless self-hosted servers by base URL alone', () => {
    const instances = resolveProviderInstances({ LOCALAI_BASE_URL: 'http://localai:8080/v1' }, undefined);
    expect(byId(instances, 'localai')).toMatchObject({ configured: true, apiKeys: [] });
    expect(byId(instances, 'vllm')).toMatchObject({ configured: false, missing: 'VLLM_BASE_URL' });
    expect(byId(instances, 'azure')).toMatchObject({ configured: false, missing: 'AZURE_BASE_URL' });
  });

  it('adds named instances from the config file with their own variables', () => {
    const instances = resolveProviderInstances(
      { AZURE_EU_API_KEY: 'eu-key', AZURE_US_KEYS: 'us1,us2' },
      {
        'azure-eu': {
          type: 'azure',
          base_url: 'https://eu.openai.azure.com/openai/deployments/gpt-image-1',
          settings: { api_version: '2025-04-01-preview' },
        },
        'azure-us': { type: 'azure', base_url: 'https://us.openai.azure.com/openai/deployments/gpt-image-1', api_key_env: 'AZURE_US_KEYS' },
        'office-localai': { type: 'localai', base_url: 'http://10.0.0.5:8080/v1' },
      },
    );
    expect(byId(instances, 'azure-eu')).toMatchObject({
      adapter: 'openai-compatible',
      configured: true,
      apiKeys: ['eu-key'],
      settings: { flavor: 'azure', api_version: '2025-04-01-preview' },
    });
    expect(byId(instances, 'azure-us')).toMatchObject({ configured: true, apiKeys: ['us1', 'us2'] });
    expect(byId(instances, 'office-localai')).toMatchObject({ configured: true, settings: { flavor: 'localai' } });
  });

  it('names the file and field of a bad providers section', () => {
    expect(() => resolveProviderInstances({}, { x: { type: 'nope' } }, 'ops.yaml')).toThrow(ProviderConfigError);
    expect(() => resolveProviderInstances({}, { x: { type: 'nope' } }, 'ops.yaml')).toThrow(/ops\.yaml: providers\.x\.type/);
    expect(() => resolveProviderInstances({}, { x: { type: 'azure', base_url: 'not a url' } }, 'ops.yaml')).toThrow(
      /providers\.x\.base_url/,
    );
    expect(() => resolveProviderInstances({}, { x: { type: 'azure', colour: 'red' } }, 'ops.yaml')).toThrow(/providers\.x/);
  });
});

describe('type: openai-compatible', () => {
  it('is a generic server by base URL, key optional', () => {
    const instances = resolveProviderInstances({}, { 'my-server': { type: 'openai-compatible', base_url: 'http://10.0.0.9:8000/v1' } });
    expect(instances.find((instance) => instance.id === 'my-server')).toMatchObject({
      adapter: 'openai-compatible',
      configured: true,
      baseUrl: 'http://10.0.0.9:8000/v1',
      settings: { flavor: 'generic' },
    });
  });
});
