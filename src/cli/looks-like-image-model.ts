/**
 * Name fragments of image models, for lists that do not say what a model makes (OpenAI's
 * `/models`, DeepInfra, LocalAI, vLLM, SGLang). A guess, used only to report `added` models:
 * a missing catalog model is judged against the whole list, never against this.
 */
const IMAGE_MODEL_NAME =
  /image|dall-e|flux|diffusion|(^|[/_-])sd(xl|[-_.\d]|$)|imagen|kolors|hidream|seedream|ideogram|recraft|kandinsky|pixart|playground|juggernaut/i;

export function looksLikeImageModel(id: string): boolean {
  return IMAGE_MODEL_NAME.test(id);
}
