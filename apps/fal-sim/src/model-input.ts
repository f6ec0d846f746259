/**
 * Validates a text-to-image input the way fal's nano-banana-pro endpoint does (pydantic-style 422
 * detail). The enum lists are fal-sim's own copy on purpose: it imports nothing from libs/.
 */
export const ASPECT_RATIOS = [
  '21:9',
  '16:9',
  '3:2',
  '4:3',
  '5:4',
  '1:1',
  '4:5',
  '3:4',
  '2:3',
  '9:16',
] as const;
export const RESOLUTIONS = ['1K', '2K', '4K'] as const;
export const OUTPUT_FORMATS = ['png', 'jpeg', 'webp'] as const;

export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export type Resolution = (typeof RESOLUTIONS)[number];
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface ModelInput {
  prompt: string;
  numImages: number;
  aspectRatio: AspectRatio;
  resolution: Resolution;
  outputFormat: OutputFormat;
  syncMode: boolean;
  seed?: number;
}

export interface ValidationDetail {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

export type InputCheck =
  { ok: true; input: ModelInput } | { ok: false; detail: ValidationDetail[] };

const LONG_SIDE: Record<Resolution, number> = { '1K': 1024, '2K': 2048, '4K': 4096 };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listed(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}

export function validateModelInput(body: unknown): InputCheck {
  if (!isRecord(body)) {
    return {
      ok: false,
      detail: [{ loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' }],
    };
  }
  const detail: ValidationDetail[] = [];
  const fail = (field: string, msg: string, type: string): void => {
    detail.push({ loc: ['body', field], msg, type });
  };

  const prompt = body.prompt;
  if (prompt === undefined) {
    fail('prompt', 'Field required', 'missing');
  } else if (typeof prompt !== 'string') {
    fail('prompt', 'Input should be a valid string', 'string_type');
  } else if (prompt.trim().length === 0) {
    fail('prompt', 'String should have at least 1 character', 'string_too_short');
  }

  const numImages = body.num_images ?? 1;
  if (typeof numImages !== 'number' || !Number.isInteger(numImages)) {
    fail('num_images', 'Input should be a valid integer', 'int_type');
  } else if (numImages < 1) {
    fail('num_images', 'Input should be greater than or equal to 1', 'greater_than_equal');
  } else if (numImages > 4) {
    fail('num_images', 'Input should be less than or equal to 4', 'less_than_equal');
  }

  const oneOf = (field: string, values: readonly string[], fallback: string): string => {
    const value = body[field] ?? fallback;
    if (typeof value !== 'string' || !values.includes(value)) {
      fail(field, `Input should be ${listed(values)}`, 'literal_error');
    }
    return typeof value === 'string' ? value : fallback;
  };
  const aspectRatio = oneOf('aspect_ratio', ASPECT_RATIOS, '1:1');
  const resolution = oneOf('resolution', RESOLUTIONS, '1K');
  const outputFormat = oneOf('output_format', OUTPUT_FORMATS, 'png');

  const syncMode = body.sync_mode ?? false;
  if (typeof syncMode !== 'boolean') {
    fail('sync_mode', 'Input should be a valid boolean', 'bool_type');
  }
  const seed = body.seed;
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed))) {
    fail('seed', 'Input should be a valid integer', 'int_type');
  }

  if (detail.length > 0) {
    return { ok: false, detail };
  }
  return {
    ok: true,
    input: {
      prompt: prompt as string,
      numImages: numImages as number,
      aspectRatio: aspectRatio as AspectRatio,
      resolution: resolution as Resolution,
      outputFormat: outputFormat as OutputFormat,
      syncMode: syncMode as boolean,
      seed: seed as number | undefined,
    },
  };
}

const roundTo8 = (value: number): number => Math.max(8, Math.round(value / 8) * 8);

/**
 * Pixel size for a ratio and resolution: the long side is 1024/2048/4096, the short side follows
 * the ratio rounded to a multiple of 8. `maxLongSide` lets a developer render big sizes smaller
 * (the reported width/height always describe the file actually served).
 */
export function imageSize(
  aspectRatio: AspectRatio,
  resolution: Resolution,
  maxLongSide = Infinity,
): { width: number; height: number } {
  const long = Math.min(LONG_SIDE[resolution], roundTo8(maxLongSide));
  const [w, h] = aspectRatio.split(':').map(Number);
  return w >= h
    ? { width: long, height: roundTo8((long * h) / w) }
    : { width: roundTo8((long * w) / h), height: long };
}
