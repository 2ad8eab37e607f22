import type { CallConfig } from './openai-compatible-config.js';
import { EDITS_PATH, GENERATIONS_PATH, LOCALAI_INPAINTING_PATH } from './openai-compatible-flavors.js';

/** Where one instance's requests go, and whether the body names the model. */
export interface UpstreamTarget {
  generationsUrl: string;
  editsUrl: string;
  /** LocalAI's mask endpoint; the same shape of URL for every flavor, used only by LocalAI. */
  inpaintingUrl: string;
  /** A cheap authenticated GET for `imagerouter doctor`. */
  probeUrl: string;
  /** Azure classic deployment URLs decide the model: the body must not name one. */
  modelInBody: boolean;
}

/** `…/openai/v1`: Azure's v1 API, OpenAI's paths, the deployment name as `model`. */
const AZURE_V1_PATH = /\/openai\/v1$/;
/** `…/openai/deployments/<name>`: a classic deployment URL. */
const AZURE_DEPLOYMENT_PATH = /^(.*)\/openai\/deployments\/[^/]+$/;

/**
 * The URLs of an instance. Azure is told apart by its base URL: the v1 API (`/openai/v1`), a
 * classic deployment URL (`/openai/deployments/<name>`, `?api-version=` on every call), or the
 * resource root (the deployment comes from the `deployment` setting, else the route's model).
 */
export function upstreamTarget(baseUrl: string, upstreamModel: string, config: CallConfig): UpstreamTarget {
  const base = baseUrl.replace(/\/+$/, '');
  if (config.profile.flavor !== 'azure') return pathTarget(base, config.profile.probePath, true);

  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, '');
  if (AZURE_V1_PATH.test(path)) return pathTarget(base, '/models', true);

  const version = `api-version=${encodeURIComponent(config.settings.api_version)}`;
  const deploymentMatch = AZURE_DEPLOYMENT_PATH.exec(path);
  const resourceRoot = `${url.origin}${deploymentMatch ? deploymentMatch[1] : path}`;
  const deploymentBase = deploymentMatch
    ? base
    : `${resourceRoot}/openai/deployments/${encodeURIComponent(config.settings.deployment ?? upstreamModel)}`;
  return {
    generationsUrl: `${deploymentBase}${GENERATIONS_PATH}?${version}`,
    editsUrl: `${deploymentBase}${EDITS_PATH}?${version}`,
    inpaintingUrl: `${deploymentBase}${LOCALAI_INPAINTING_PATH}?${version}`,
    // The data-plane models list: it checks the key and the resource, not the deployment.
    probeUrl: `${resourceRoot}/openai/models?${version}`,
    modelInBody: false,
  };
}

function pathTarget(base: string, probePath: string, modelInBody: boolean): UpstreamTarget {
  return {
    generationsUrl: `${base}${GENERATIONS_PATH}`,
    editsUrl: `${base}${EDITS_PATH}`,
    inpaintingUrl: `${base}${LOCALAI_INPAINTING_PATH}`,
    probeUrl: `${base}${probePath}`,
    modelInBody,
  };
}
