import { PublicUrls } from '@app/config';
import { Infograph } from '@app/database';

import { CreateInfographsResponse } from './create-infographs.response';
import { InfographPageResponse } from './infograph-page.response';
import { InfographResponse } from './infograph.response';

const ID = '5b0c4f1e-2f7a-4c1b-9d7e-0e6f3b2a1c9d';

// Exact JSON text: clients (and stored Idempotency-Key answers) depend on names, values and order.
describe('infograph responses', () => {
  it('shapes the create answer', () => {
    const answer = CreateInfographsResponse.from(
      { ids: [ID], creditsUsed: 2, balanceAfter: 8 },
      new PublicUrls('https://api.example.com'),
    );
    expect(JSON.stringify(answer)).toBe(
      `{"infographs":[{"id":"${ID}","request_id":null,"status":"pending",` +
        `"status_url":"https://api.example.com/api/infographs/status/${ID}/"}],` +
        `"total_submitted":1,"credits_used":2}`,
    );
  });

  it('shapes the status answer and the history page', () => {
    const row = Object.assign(new Infograph(), {
      id: ID,
      userId: 'u',
      status: 'completed',
      prompt: 'p',
      blogUrl: null,
      aspectRatio: '16:9',
      resolution: '1K',
      falRequestId: 'req-1',
      imageUrl: 'http://127.0.0.1:3000/files/x.png',
      width: 1376,
      height: 768,
      errorMessage: null,
      errorCode: null,
      creditsCharged: 1,
      createdAt: new Date('2025-11-22T10:30:00.000Z'),
      updatedAt: new Date('2025-11-22T10:30:45.000Z'),
      completedAt: new Date('2025-11-22T10:30:42.000Z'),
    });
    const status =
      `{"id":"${ID}","status":"completed","prompt":"p","blog_url":null,"aspect_ratio":"16:9",` +
      `"resolution":"1K","request_id":"req-1","image_url":"http://127.0.0.1:3000/files/x.png",` +
      `"width":1376,"height":768,"error_message":null,"error_code":null,"credits_charged":1,` +
      `"created_at":"2025-11-22T10:30:00.000Z","updated_at":"2025-11-22T10:30:45.000Z",` +
      `"stage":"completed","started_at":"2025-11-22T10:30:00.000Z","elapsed_ms":42000}`;
    expect(JSON.stringify(InfographResponse.from(row))).toBe(status);
    expect(JSON.stringify(InfographPageResponse.from({ items: [row], nextCursor: null }))).toBe(
      `{"items":[${status}],"next_cursor":null}`,
    );
  });
});
