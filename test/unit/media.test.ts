import { chooseFileName, chooseMimeType, promisedLength } from '../../nodes/YunwuVideo/task/media';

const VIDEO_URL =
	'https://soruxgpt-saas-yimeng.soruxgpt.com/file_download/15e6a163-a8af-441c-bea5-c59dd357657d.mp4';
const THUMB_URL =
	'https://soruxgpt-saas-yimeng.soruxgpt.com/file_download/29f2d06e-959a-4e05-8c7b-47ebde7fcbba.jpg';
const NO_EXTENSION = 'https://files.example.com/file_download/15e6a163-a8af-441c-bea5-c59dd357657d';

describe('chooseMimeType: a specific Content-Type wins', () => {
	test.each([
		['video/mp4', VIDEO_URL, 'video', 'video/mp4'],
		['video/webm', VIDEO_URL, 'video', 'video/webm'],
		['video/quicktime', NO_EXTENSION, 'video', 'video/quicktime'],
		['image/png', THUMB_URL, 'thumbnail', 'image/png'],
		['image/jpeg', VIDEO_URL, 'thumbnail', 'image/jpeg'],
	] as const)('%s for %s (%s) → %s', (contentType, url, kind, expected) => {
		expect(chooseMimeType(contentType, url, kind)).toBe(expected);
	});

	test('parameters are dropped, case and whitespace normalised', () => {
		expect(chooseMimeType('Video/MP4; charset=binary', NO_EXTENSION, 'video')).toBe('video/mp4');
		expect(chooseMimeType('  image/WEBP ;q=1', NO_EXTENSION, 'thumbnail')).toBe('image/webp');
	});

	test('a specific type the extension table does not know is still kept', () => {
		expect(chooseMimeType('video/x-flv', VIDEO_URL, 'video')).toBe('video/x-flv');
	});
});

describe('chooseMimeType: vague content types fall back to the URL extension', () => {
	const VAGUE = [
		'application/octet-stream',
		'binary/octet-stream',
		'application/binary',
		'application/force-download',
		'application/download',
		'application/unknown',
		'text/plain',
		'',
		'APPLICATION/OCTET-STREAM',
		'application/octet-stream; charset=UTF-8',
	];

	test.each(VAGUE)('%j with a .mp4 URL → video/mp4', (contentType) => {
		expect(chooseMimeType(contentType, VIDEO_URL, 'video')).toBe('video/mp4');
	});

	test.each(VAGUE)('%j with a .jpg URL for a thumbnail → image/jpeg', (contentType) => {
		expect(chooseMimeType(contentType, THUMB_URL, 'thumbnail')).toBe('image/jpeg');
	});

	test.each([
		['clip.webm', 'video/webm'],
		['clip.mov', 'video/quicktime'],
		['clip.mkv', 'video/x-matroska'],
		['clip.avi', 'video/x-msvideo'],
		['clip.mpeg', 'video/mpeg'],
		['clip.m4v', 'video/mp4'],
		['clip.MP4', 'video/mp4'],
		['thumb.jpeg', 'image/jpeg'],
		['thumb.png', 'image/png'],
		['thumb.webp', 'image/webp'],
		['thumb.gif', 'image/gif'],
	])('octet-stream with …/%s → %s', (file, expected) => {
		expect(
			chooseMimeType('application/octet-stream', `https://files.example.com/a/${file}`, 'video'),
		).toBe(expected);
	});

	test('the query string and fragment of a signed URL are ignored', () => {
		expect(
			chooseMimeType(
				'application/octet-stream',
				`${NO_EXTENSION}.webm?X-Amz-Signature=abc.mp4#t=1`,
				'video',
			),
		).toBe('video/webm');
		expect(
			chooseMimeType('application/octet-stream', `${NO_EXTENSION}?name=clip.webm`, 'video'),
		).toBe('video/mp4');
	});

	test('a missing Content-Type header counts as vague', () => {
		expect(chooseMimeType(undefined, THUMB_URL, 'thumbnail')).toBe('image/jpeg');
		expect(chooseMimeType(null, `${NO_EXTENSION}.webm`, 'video')).toBe('video/webm');
	});
});

describe('chooseMimeType: no hint at all → video/mp4 or image/jpeg by kind', () => {
	test.each([
		['no extension', NO_EXTENSION],
		['an unknown extension', `${NO_EXTENSION}.bin`],
		['a trailing slash', `${NO_EXTENSION}.mp4/`],
		['a URL that does not parse', 'not a url.webm'],
		['an empty URL', ''],
	])('%s', (_label, url) => {
		expect(chooseMimeType('application/octet-stream', url, 'video')).toBe('video/mp4');
		expect(chooseMimeType('application/octet-stream', url, 'thumbnail')).toBe('image/jpeg');
		expect(chooseMimeType(undefined, url, 'video')).toBe('video/mp4');
	});
});

describe('chooseFileName', () => {
	test('the task id with its prefix separator made safe, plus the extension of the MIME type', () => {
		expect(
			chooseFileName('grok:5cdad6a7-0730-426f-88ec-d39b863ada15', 'video', 'video/mp4', VIDEO_URL),
		).toBe('grok_5cdad6a7-0730-426f-88ec-d39b863ada15.mp4');
		expect(chooseFileName('veo3.1-fast:abc', 'video', 'video/webm', VIDEO_URL)).toBe(
			'veo3.1-fast_abc.webm',
		);
		expect(chooseFileName('jimeng:x', 'video', 'video/quicktime', VIDEO_URL)).toBe('jimeng_x.mov');
	});

	test('a thumbnail gets a -thumbnail suffix', () => {
		expect(chooseFileName('grok:abc', 'thumbnail', 'image/jpeg', THUMB_URL)).toBe(
			'grok_abc-thumbnail.jpg',
		);
		expect(chooseFileName('grok:abc', 'thumbnail', 'image/png', THUMB_URL)).toBe(
			'grok_abc-thumbnail.png',
		);
	});

	test('no path separators or leading dots survive', () => {
		const name = chooseFileName('../../etc/passwd', 'video', 'video/mp4', VIDEO_URL);
		expect(name).toBe('etc_passwd.mp4');
		expect(name).not.toMatch(/[/\\]/);
		expect(chooseFileName('.hidden', 'video', 'video/mp4', VIDEO_URL)).toBe('hidden.mp4');
		expect(chooseFileName('a\\b c:d', 'video', 'video/mp4', VIDEO_URL)).toBe('a_b_c_d.mp4');
	});

	test('an id with nothing usable left becomes "video"', () => {
		expect(chooseFileName('', 'video', 'video/mp4', VIDEO_URL)).toBe('video.mp4');
		expect(chooseFileName(':::', 'video', 'video/mp4', VIDEO_URL)).toBe('video.mp4');
		expect(chooseFileName('任务', 'thumbnail', 'image/jpeg', THUMB_URL)).toBe(
			'video-thumbnail.jpg',
		);
	});

	test('a MIME type without a known extension takes the URL extension, else mp4 / jpg', () => {
		expect(chooseFileName('t', 'video', 'video/x-flv', 'https://h.example/a/clip.flv')).toBe(
			't.flv',
		);
		expect(chooseFileName('t', 'video', 'video/x-flv', NO_EXTENSION)).toBe('t.mp4');
		expect(chooseFileName('t', 'thumbnail', 'image/avif', NO_EXTENSION)).toBe('t-thumbnail.jpg');
	});

	test('agrees with chooseMimeType for a vague host', () => {
		const url = `${NO_EXTENSION}.webm`;
		const mime = chooseMimeType('application/octet-stream', url, 'video');
		expect(chooseFileName('grok:abc', 'video', mime, url)).toBe('grok_abc.webm');
	});
});

describe('promisedLength', () => {
	test.each([
		['123', 123],
		['0', 0],
		[123, 123],
		[0, 0],
		[['4567'], 4567],
		['9007199254740991', 9007199254740991],
	])('%j → %j', (header, expected) => {
		expect(promisedLength(header)).toBe(expected);
	});

	test.each([
		['undefined', undefined],
		['null', null],
		['a negative number', '-1'],
		['a fraction', '1.5'],
		['a word', 'abc'],
		['beyond safe integers', '9007199254740993'],
		['NaN', Number.NaN],
		['an object', { length: 3 }],
		['an empty array', []],
		['an empty string', ''],
		['whitespace', '  '],
	])('%s → undefined', (_label, header) => {
		expect(promisedLength(header)).toBeUndefined();
	});
});
