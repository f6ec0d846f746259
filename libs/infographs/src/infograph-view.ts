import type { Infograph } from '@app/database';

/** The status endpoint's shape (the guide's, plus `error_message` and the image details). */
export interface InfographView {
  id: string;
  status: Infograph['status'];
  prompt: string;
  blog_url: string | null;
  aspect_ratio: string;
  resolution: string;
  request_id: string | null;
  image_url: string | null;
  width: number | null;
  height: number | null;
  error_message: string | null;
  credits_charged: number;
  created_at: string;
  updated_at: string;
}

export function toInfographView(i: Infograph): InfographView {
  return {
    id: i.id,
    status: i.status,
    prompt: i.prompt,
    blog_url: i.blogUrl,
    aspect_ratio: i.aspectRatio,
    resolution: i.resolution,
    request_id: i.falRequestId,
    image_url: i.imageUrl,
    width: i.width,
    height: i.height,
    error_message: i.errorMessage,
    credits_charged: i.creditsCharged,
    created_at: i.createdAt.toISOString(),
    updated_at: i.updatedAt.toISOString(),
  };
}
