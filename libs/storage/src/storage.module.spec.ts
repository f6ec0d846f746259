import { Test } from '@nestjs/testing';

import { LocalStorage } from './local.storage';
import { OBJECT_STORAGE, ObjectStorage } from './object-storage';
import { S3Storage } from './s3.storage';
import { StorageModule } from './storage.module';

describe('StorageModule.forRoot', () => {
  it('provides the local driver as OBJECT_STORAGE and as LocalStorage', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        StorageModule.forRoot({
          driver: 'local',
          local: { root: '.data/never-written', publicBaseUrl: 'http://127.0.0.1:3000' },
        }),
      ],
    }).compile();

    const storage = moduleRef.get<ObjectStorage>(OBJECT_STORAGE);
    expect(storage).toBeInstanceOf(LocalStorage);
    expect(moduleRef.get(LocalStorage)).toBe(storage);
    expect(() => moduleRef.get(S3Storage)).toThrow();
    await moduleRef.close();
  });

  it('provides the s3 driver as OBJECT_STORAGE and as S3Storage', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        StorageModule.forRoot({
          driver: 's3',
          s3: {
            endpoint: 'http://127.0.0.1:9',
            region: 'auto',
            bucket: 'b',
            accessKeyId: 'id',
            secretAccessKey: 'secret',
            forcePathStyle: true,
            publicBaseUrl: 'https://cdn.example.com/',
          },
        }),
      ],
    }).compile();

    const storage = moduleRef.get<ObjectStorage>(OBJECT_STORAGE);
    expect(storage).toBeInstanceOf(S3Storage);
    expect(moduleRef.get(S3Storage)).toBe(storage);
    expect(storage.publicUrl('infographs/1/2.png')).toBe(
      'https://cdn.example.com/infographs/1/2.png',
    );
    await moduleRef.close();
  });
});
