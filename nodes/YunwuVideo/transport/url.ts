/** Whether a text is an http(s) address that Node can request. */
export function isWebAddress(text: string): boolean {
	try {
		return ['http:', 'https:'].includes(new URL(text).protocol);
	} catch {
		return false;
	}
}
