/**
 * Hugging Face's BERT files, read and written unchanged:
 *
 *   DIR/config.json         hidden_size, num_hidden_layers, num_attention_heads, intermediate_size,
 *                           max_position_embeddings, type_vocab_size, vocab_size, layer_norm_eps
 *   DIR/vocab.txt           one WordPiece token a line
 *   DIR/model.safetensors   BertModel's state_dict: 'embeddings.word_embeddings.weight' [V, C],
 *                           'encoder.layer.N.attention.self.query.weight' [out, in], …
 *
 * Names are BertModel's. Also read: a 'bert.' prefix (BertForPreTraining,
 * BertForSequenceClassification, … save the encoder under it; their heads,
 * 'cls.*' and 'classifier.*', are skipped), the TF-era LayerNorm names
 * 'gamma'/'beta' for 'weight'/'bias', F16/BF16 exports (widened to float32
 * exactly), and the integer buffers 'embeddings.position_ids' (I64 in
 * bert-base-uncased's model.safetensors: arange(P), not a parameter) and
 * 'embeddings.token_type_ids': skipped, with a note. Any other non-float
 * tensor is an error naming it. We write BertModel's names with metadata
 * {"format": "pt"}, as transformers' save_pretrained does.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatError, InputError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import {
  readSafetensors,
  type SafetensorsFile,
  type SafetensorsTensor,
  writeSafetensors,
} from '../weights/safetensors.js';
import { type BertConfig, bertConfig } from './config.js';
import { Bert } from './model.js';
import { WordPieceTokenizer } from './wordpiece.js';

/** Heads of the BertFor… classes and buffers: present in real checkpoints, not part of BertModel's weights. */
const SKIPPED = [/^cls\./, /^classifier\./, /^qa_outputs\./, /position_ids$/];

/** Registered buffers transformers saves next to the weights (integer index tensors, not parameters). */
const BUFFERS = [/(^|\.)position_ids$/, /(^|\.)token_type_ids$/];

/** safetensors' `skip` for BERT checkpoints: integer buffers are left out, any other non-float tensor is an error. */
export function isBertBuffer(name: string): boolean {
  return BUFFERS.some((re) => re.test(name));
}

/** One line per skipped buffer: 'FILE: tensor NAME: I64 [512] buffer skipped (not a parameter)'. */
export function skippedNotes(file: SafetensorsFile, path: string): string[] {
  return file.skipped.map(
    (t) => `${path}: tensor ${t.name}: ${t.dtype} [${t.shape}] buffer skipped (not a parameter)`,
  );
}

/** A BERT checkpoint's float tensors (F16/BF16 widened) and notes on the buffers left out. */
export function readBertSafetensors(path: string): {
  tensors: Map<string, SafetensorsTensor>;
  notes: string[];
} {
  const file = readSafetensors(path, { skip: isBertBuffer });
  return { tensors: file.tensors, notes: skippedNotes(file, path) };
}

/** A checkpoint tensor's name as BertModel names it (prefix and old LayerNorm names mapped). */
export function bertModelName(name: string): string {
  let n = name.startsWith('bert.') ? name.slice('bert.'.length) : name;
  n = n.replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight').replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias');
  return n;
}

/** A checkpoint's tensors under BertModel's names, heads and buffers dropped. */
export function bertModelTensors(
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  source: string,
): Map<string, SafetensorsTensor> {
  const out = new Map<string, SafetensorsTensor>();
  for (const [name, t] of tensors) {
    if (SKIPPED.some((re) => re.test(name))) continue;
    const mapped = bertModelName(name);
    if (out.has(mapped))
      throw formatError(source, `tensor "${name}"`, `a second "${mapped}"`, 'one tensor per name');
    out.set(mapped, t);
  }
  return out;
}

/**
 * Loads `model.safetensors` (BertModel layout) into `model`; extra tensors are
 * an error naming them. Returns the notes on skipped buffers.
 */
export function loadBertSafetensors(model: Bert, path: string): string[] {
  const { tensors, notes } = readBertSafetensors(path);
  loadMapped(model, bertModelTensors(tensors, path), path);
  return notes;
}

function loadMapped(model: Bert, tensors: ReadonlyMap<string, SafetensorsTensor>, path: string): void {
  const known = new Set(model.parameters.map((p) => p.name));
  const extra = [...tensors.keys()].filter((n) => !known.has(n));
  if (extra.length > 0) {
    throw formatError(
      path,
      'tensors',
      extra.slice(0, 5).join(', '),
      "only BertModel's tensors for this config",
    );
  }
  model.load(tensors, path);
}

/**
 * Writes the model's weights as `model.safetensors` in BertModel's layout,
 * plus `extra` tensors under their own names (e.g. an MLM head's cls.predictions.*).
 */
export function saveBertSafetensors(
  model: Bert,
  path: string,
  extra: ReadonlyMap<string, SafetensorsTensor> = new Map(),
): void {
  const tensors = model.toTensors();
  for (const [name, t] of extra) {
    if (tensors.has(name))
      throw new InputError(`${path}: tensor ${name}: found twice, expected one tensor per name`);
    tensors.set(name, t);
  }
  writeSafetensors(path, tensors, { format: 'pt' });
}

const CONFIG_FIELDS = {
  hidden_size: 'hidden',
  num_hidden_layers: 'layers',
  num_attention_heads: 'heads',
  intermediate_size: 'intermediate',
  max_position_embeddings: 'maxPositions',
  type_vocab_size: 'typeVocab',
  vocab_size: 'vocabSize',
  layer_norm_eps: 'layerNormEps',
} as const satisfies Record<string, keyof BertConfig>;

/** Our config from a Hugging Face config.json object; `file` names it in errors. */
export function bertConfigFromHf(json: unknown, file: string): BertConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw formatError(file, 'config', JSON.stringify(json), 'a JSON object');
  }
  const o = json as Record<string, unknown>;
  const sizes: Partial<BertConfig> = {};
  for (const [field, key] of Object.entries(CONFIG_FIELDS)) {
    const value = o[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw formatError(file, field, JSON.stringify(value), 'a number');
    }
    sizes[key] = value;
  }
  const act = o.hidden_act;
  if (act !== undefined && act !== 'gelu') {
    throw formatError(
      file,
      'hidden_act',
      JSON.stringify(act),
      '"gelu" (the exact erf form, which this BERT runs)',
    );
  }
  const dropout = o.hidden_dropout_prob;
  if (typeof dropout === 'number') sizes.dropout = dropout;
  const attentionDropout = o.attention_probs_dropout_prob;
  if (typeof attentionDropout === 'number') sizes.attentionDropout = attentionDropout;
  try {
    return bertConfig(sizes);
  } catch (err) {
    throw new InputError(`${file}: ${(err as Error).message}`);
  }
}

/** config.json's object for our config (the fields transformers writes for BertModel). */
export function bertConfigToHf(config: BertConfig): Record<string, unknown> {
  return {
    architectures: ['BertModel'],
    attention_probs_dropout_prob: config.attentionDropout,
    hidden_act: 'gelu',
    hidden_dropout_prob: config.dropout,
    hidden_size: config.hidden,
    initializer_range: 0.02,
    intermediate_size: config.intermediate,
    layer_norm_eps: config.layerNormEps,
    max_position_embeddings: config.maxPositions,
    model_type: 'bert',
    num_attention_heads: config.heads,
    num_hidden_layers: config.layers,
    pad_token_id: 0,
    position_embedding_type: 'absolute',
    type_vocab_size: config.typeVocab,
    vocab_size: config.vocabSize,
  };
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: cannot read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw formatError(path, 'JSON', `invalid (${(err as Error).message})`, 'a JSON object');
  }
}

export interface BertFolder {
  config: BertConfig;
  tokenizer: WordPieceTokenizer;
  model: Bert;
  /** What was read but left out (integer buffers such as embeddings.position_ids), one line each. */
  notes: string[];
}

/**
 * A Hugging Face model folder (config.json, vocab.txt, model.safetensors) as
 * config, tokenizer and model on the active backend. Dispose the model after use.
 */
export function loadBertFolder(dir: string): BertFolder {
  if (!existsSync(dir))
    throw new InputError(
      `${dir}: not found, expected a folder with config.json, vocab.txt and model.safetensors`,
    );
  const configPath = join(dir, 'config.json');
  const config = bertConfigFromHf(readJson(configPath), configPath);
  const vocabPath = join(dir, 'vocab.txt');
  const tokenizer = WordPieceTokenizer.read(vocabPath);
  if (tokenizer.vocab.size > config.vocabSize) {
    throw formatError(
      vocabPath,
      'lines',
      tokenizer.vocab.size,
      `at most vocab_size ${config.vocabSize} (config.json)`,
    );
  }
  const weightsPath = join(dir, 'model.safetensors');
  const read = readBertSafetensors(weightsPath);
  const tensors = bertModelTensors(read.tensors, weightsPath);
  const model = new Bert(config, { pooler: tensors.has('pooler.dense.weight'), init: false });
  try {
    loadMapped(model, tensors, weightsPath);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { config, tokenizer, model, notes: read.notes };
}

/** Writes config.json, vocab.txt and model.safetensors (with `extra` tensors, if any) into `dir` (created if needed). */
export function saveBertFolder(
  dir: string,
  model: Bert,
  tokenizer: WordPieceTokenizer,
  extra: ReadonlyMap<string, SafetensorsTensor> = new Map(),
): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(bertConfigToHf(model.config), null, 2)}\n`);
  writeFileAtomic(join(dir, 'vocab.txt'), tokenizer.vocab.toText());
  saveBertSafetensors(model, join(dir, 'model.safetensors'), extra);
}
