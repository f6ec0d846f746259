/**
 * Validates a text-to-image input the way fal's nano-banana-pro endpoint does (pydantic-style 422
 * detail). The enum lists are fal-sim's own copy on purpose: it imports nothing from libs/.
 */
export const ASPECT_RATIOS = [
  'auto',
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
/** A string on the wire, as fal's schema has it: the number 4 is refused. */
export const SAFETY_TOLERANCES = ['1', '2', '3', '4', '5', '6'] as const;

export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export type Resolution = (typeof RESOLUTIONS)[number];
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export type SafetyTolerance = (typeof SAFETY_TOLERANCES)[number];

export interface ModelInput {
  prompt: string;
  numImages: number;
  aspectRatio: AspectRatio;
  resolution: Resolution;
  outputFormat: OutputFormat;
  syncMode: boolean;
  safetyTolerance: SafetyTolerance;
  seed?: number;
}

export interface ValidationDetail {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

/** A refused input still yields `input` (defaults for the bad fields): fal queues it anyway. */
export type InputCheck =
  { ok: true; input: ModelInput } | { ok: false; detail: ValidationDetail[]; input: ModelInput };

/**
 * 1K sizes as nano-banana-pro returns them (about one megapixel, sides multiples of 16; 16:9 is
 * 1376×768); 2K and 4K double and quadruple each side (4 and 16 megapixels).
 */
const SIZES_1K: Record<Exclude<AspectRatio, 'auto'>, [number, number]> = {
  '21:9': [1584, 672],
  '16:9': [1376, 768],
  '3:2': [1264, 848],
  '4:3': [1200, 896],
  '5:4': [1152, 928],
  '1:1': [1024, 1024],
  '4:5': [928, 1152],
  '3:4': [896, 1200],
  '2:3': [848, 1264],
  '9:16': [768, 1376],
};
const SCALE: Record<Resolution, number> = { '1K': 1, '2K': 2, '4K': 4 };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listed(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}

const DEFAULT_INPUT: ModelInput = {
  prompt: '',
  numImages: 1,
  aspectRatio: '1:1',
  resolution: '1K',
  outputFormat: 'png',
  syncMode: false,
  safetyTolerance: '4',
};

export function validateModelInput(body: unknown): InputCheck {
  if (!isRecord(body)) {
    return {
      ok: false,
      detail: [{ loc: ['body'], msg: 'Input should be a valid dictionary', type: 'dict_type' }],
      input: DEFAULT_INPUT,
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

  const oneOf = <T extends string>(field: string, values: readonly T[], fallback: T): T => {
    const value = body[field] ?? fallback;
    if (typeof value !== 'string' || !values.includes(value as T)) {
      fail(field, `Input should be ${listed(values)}`, 'literal_error');
      return fallback;
    }
    return value as T;
  };
  const aspectRatio = oneOf('aspect_ratio', ASPECT_RATIOS, '1:1');
  const resolution = oneOf('resolution', RESOLUTIONS, '1K');
  const outputFormat = oneOf('output_format', OUTPUT_FORMATS, 'png');
  const safetyTolerance = oneOf('safety_tolerance', SAFETY_TOLERANCES, '4');

  const syncMode = body.sync_mode ?? false;
  if (typeof syncMode !== 'boolean') {
    fail('sync_mode', 'Input should be a valid boolean', 'bool_type');
  }
  const seed = body.seed;
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isInteger(seed))) {
    fail('seed', 'Input should be a valid integer', 'int_type');
  }

  const input: ModelInput = {
    prompt: typeof prompt === 'string' ? prompt : '',
    numImages: detail.some((d) => d.loc[1] === 'num_images') ? 1 : (numImages as number),
    aspectRatio,
    resolution,
    outputFormat,
    syncMode: typeof syncMode === 'boolean' ? syncMode : false,
    safetyTolerance,
    seed: typeof seed === 'number' && Number.isInteger(seed) ? seed : undefined,
  };
  return detail.length > 0 ? { ok: false, detail, input } : { ok: true, input };
}

const roundTo8 = (value: number): number => Math.max(8, Math.round(value / 8) * 8);

/**
 * Pixel size for a ratio and resolution (`auto` renders square). `maxLongSide` lets a developer
 * render big sizes smaller, keeping the ratio and multiples of 8 (the reported width/height always
 * describe the file actually served).
 */
export function imageSize(
  aspectRatio: AspectRatio,
  resolution: Resolution,
  maxLongSide = Infinity,
): { width: number; height: number } {
  const [w1, h1] = SIZES_1K[aspectRatio === 'auto' ? '1:1' : aspectRatio];
  const [width, height] = [w1 * SCALE[resolution], h1 * SCALE[resolution]];
  const shrink = Math.min(1, maxLongSide / Math.max(width, height));
  return shrink === 1
    ? { width, height }
    : { width: roundTo8(width * shrink), height: roundTo8(height * shrink) };
}
