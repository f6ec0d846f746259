/**
 * What a user may ask for: the model's aspect ratios and resolutions. The domain owns this list;
 * the worker's submit step checks at compile time that fal accepts every value. `auto` lets the
 * model choose the ratio that suits the content.
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
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export const RESOLUTIONS = ['1K', '2K', '4K'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** Images one create may ask for (the model makes at most 4 per request). */
export const MAX_IMAGES_PER_REQUEST = 4;
