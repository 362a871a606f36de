/**
 * JSON parsing that keeps every digit of an integer beyond 2^53 (Kling numbers its tasks with 18
 * digits; JSON.parse would round `1857348573485734857` to `1857348573485734700`, an id that
 * queries another task or none). Such an integer is read as its text; every other value as
 * JSON.parse reads it.
 */

/** An integer literal (no fraction, no exponent) too long to be sure it is a safe integer. */
const LONG_INTEGER = /-?\d{16,}(?![\d.eE])/y;

/** The text with every unsafe integer outside a string put in quotes. */
function quoteUnsafeIntegers(text: string): string {
	let result = '';
	let copiedUpTo = 0;
	for (let at = 0; at < text.length; at++) {
		const char = text[at];
		if (char === '"') {
			// Skip the string, escapes included.
			for (at++; at < text.length && text[at] !== '"'; at++) if (text[at] === '\\') at++;
			continue;
		}
		if (char !== '-' && (char < '0' || char > '9')) continue;
		LONG_INTEGER.lastIndex = at;
		const match = LONG_INTEGER.exec(text);
		const token = match?.[0];
		if (token && !Number.isSafeInteger(Number(token))) {
			result += `${text.slice(copiedUpTo, at)}"${token}"`;
			copiedUpTo = at + token.length;
		}
		// The rest of the number token is not a new one.
		while (at + 1 < text.length && /[\d.eE+-]/.test(text[at + 1])) at++;
	}
	return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
}

/** JSON.parse, integers beyond 2^53 kept as their text. */
export function parseJsonKeepingDigits(text: string): unknown {
	// Most answers hold no 16-digit run at all: they are parsed as they are.
	return JSON.parse(/\d{16}/.test(text) ? quoteUnsafeIntegers(text) : text) as unknown;
}
