/** `node dist/catalog/write-built-models.js`, the last step of `npm run build`: the catalog parsed once, for fast starts. */
import { BUILT_MODELS_FILE, writeBuiltModels } from './built-models.js';
import { buildModels } from './load-catalog.js';

const built = buildModels();
writeBuiltModels(built);
process.stdout.write(`built ${Object.keys(built.files).length} model files into ${BUILT_MODELS_FILE}\n`);
