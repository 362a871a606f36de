import { normaliseBaseUrl } from '../../nodes/YunwuVideo/transport/apiClient';

test.each([
	['', 'https://yunwu.ai'],
	['  https://yunwu.ai/v1/  ', 'https://yunwu.ai'],
	['http://127.0.0.1:3000/', 'http://127.0.0.1:3000'],
	['HTTPS://Mirror.example/V1', 'HTTPS://Mirror.example'],
	// Typed without a scheme: taken as https, as a browser's address bar does.
	['yunwu.ai', 'https://yunwu.ai'],
	['yunwu.ai/v1', 'https://yunwu.ai'],
	['localhost:3000', 'https://localhost:3000'],
	// A scheme that is not http(s) is kept, so the caller refuses it as not a web address.
	['ftp://yunwu.ai', 'ftp://yunwu.ai'],
])('the Base URL %j is asked as %j', (typed, asked) => {
	expect(normaliseBaseUrl(typed)).toBe(asked);
});
