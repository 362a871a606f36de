/**
 * README.md and its Chinese translation README.zh-CN.md stay in step: the same sections (headings
 * of level 2 and 3, paired by position and by what a translation keeps: level, code blocks and
 * inline code, never the translated words) and, in each, the same code blocks with the same
 * commands (comments may be translated). A failure says what to add or change, and where.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT as ROOT } from '../support/paths';
const EN = 'README.md';
const ZH = 'README.zh-CN.md';

interface CodeBlock {
	line: number;
	lang: string;
	/** The block's lines without comments, blank lines and repeated spaces: what must not change. */
	commands: string[];
}

interface Section {
	/** 0 for the text before the first section. */
	level: number;
	heading: string;
	line: number;
	blocks: CodeBlock[];
	inlineCode: Set<string>;
}

const COMMENT = new Map<string, RegExp>([
	...['bash', 'sh', 'shell', 'console'].map((lang): [string, RegExp] => [lang, /(^|\s)#.*$/]),
	...['jsonc', 'js', 'javascript', 'ts', 'typescript'].map((lang): [string, RegExp] => [
		lang,
		/(^|\s)\/\/.*$/,
	]),
]);

function parseSections(markdown: string): Section[] {
	const sections: Section[] = [
		{
			level: 0,
			heading: '(the text before the first section)',
			line: 1,
			blocks: [],
			inlineCode: new Set(),
		},
	];
	let fence: { marker: string; block: CodeBlock } | undefined;
	markdown.split('\n').forEach((text, index) => {
		const line = index + 1;
		const section = sections[sections.length - 1];
		if (fence) {
			if (text.trim() === fence.marker) fence = undefined;
			else {
				const command = text
					.replace(COMMENT.get(fence.block.lang) ?? /$^/, '')
					.replace(/\s+/g, ' ')
					.trim();
				if (command) fence.block.commands.push(command);
			}
			return;
		}
		const opening = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(text);
		if (opening) {
			fence = { marker: opening[1], block: { line, lang: opening[2].toLowerCase(), commands: [] } };
			section.blocks.push(fence.block);
			return;
		}
		const heading = /^(#{2,3})\s+(.+?)\s*$/.exec(text);
		if (heading)
			sections.push({
				level: heading[1].length,
				heading: `${heading[1]} ${heading[2]}`,
				line,
				blocks: [],
				inlineCode: new Set(),
			});
		for (const [, code] of text.matchAll(/`([^`]+)`/g))
			sections[sections.length - 1].inlineCode.add(code);
	});
	return sections;
}

const blockKey = (block: CodeBlock) => `${block.lang}\n${block.commands.join('\n')}`;

/** How alike two sections are, judged only by what a translation keeps. */
function likeness(a: Section, b: Section): number {
	if (a.level !== b.level) return -Infinity;
	const shared = [...a.inlineCode].filter((code) => b.inlineCode.has(code)).length;
	const union = new Set([...a.inlineCode, ...b.inlineCode]).size;
	const sameBlocks = a.blocks.map(blockKey).join('\n\n') === b.blocks.map(blockKey).join('\n\n');
	return 1 + (union ? shared / union : 1) + (sameBlocks ? 1 : 0);
}

/** Pairs the sections of both files in order (best total likeness); unpaired ones are `undefined`. */
function pairSections(
	en: Section[],
	zh: Section[],
): Array<[Section | undefined, Section | undefined]> {
	const best = en.map(() => zh.map(() => 0));
	const score = (i: number, j: number) => (i < 0 || j < 0 ? 0 : best[i][j]);
	en.forEach((a, i) =>
		zh.forEach((b, j) => {
			best[i][j] = Math.max(score(i - 1, j), score(i, j - 1), score(i - 1, j - 1) + likeness(a, b));
		}),
	);
	const pairs: Array<[Section | undefined, Section | undefined]> = [];
	let i = en.length - 1;
	let j = zh.length - 1;
	// On a tie a later section counts as the one added, as new sections usually are.
	while (i >= 0 || j >= 0) {
		if (i >= 0 && score(i, j) === score(i - 1, j)) pairs.unshift([en[i--], undefined]);
		else if (j >= 0 && score(i, j) === score(i, j - 1)) pairs.unshift([undefined, zh[j--]]);
		else pairs.unshift([en[i--], zh[j--]]);
	}
	return pairs;
}

// Backticks, not double quotes: jest prints a failing string with its double quotes escaped.
const quote = (section: Section) => (section.level ? `\`${section.heading}\`` : section.heading);
const firstLine = (block: CodeBlock) => `\`${block.commands[0] ?? ''}\``;
const code = (command: string | undefined) => (command === undefined ? '(none)' : `\`${command}\``);

function compareBlocks(en: Section, zh: Section): string[] {
	const where = `${EN}'s ${quote(en)} (line ${en.line}) and its translation ${quote(zh)} (${ZH} line ${zh.line})`;
	if (en.blocks.length !== zh.blocks.length) {
		const zhKeys = zh.blocks.map(blockKey);
		const enKeys = en.blocks.map(blockKey);
		const copy = en.blocks
			.filter((block) => !zhKeys.includes(blockKey(block)))
			.map(
				(block) =>
					`copy the code block at ${EN} line ${block.line} (${block.lang || 'no language'}, starting ${firstLine(block)}) into ${ZH}`,
			);
		const drop = zh.blocks
			.filter((block) => !enKeys.includes(blockKey(block)))
			.map(
				(block) =>
					`update or remove the code block at ${ZH} line ${block.line} (starting ${firstLine(block)})`,
			);
		return [
			`${where} have ${en.blocks.length} and ${zh.blocks.length} code blocks: ${[...copy, ...drop].join('; ')}.`,
		];
	}
	return en.blocks.flatMap((block, index) => {
		const other = zh.blocks[index];
		if (blockKey(block) === blockKey(other)) return [];
		const at = block.commands.findIndex((command, n) => command !== other.commands[n]);
		const n = at < 0 ? block.commands.length : at;
		return [
			`${where}: code block ${index + 1} differs (${EN} line ${block.line}, ${ZH} line ${other.line}): ` +
				(block.lang !== other.lang
					? `language ${code(block.lang)} in ${EN}, ${code(other.lang)} in ${ZH}.`
					: `command ${n + 1} is ${code(block.commands[n])} in ${EN} but ${code(other.commands[n])} in ${ZH}. Only comments may be translated; copy the commands from ${EN}.`),
		];
	});
}

/** Everything that makes the two files differ in structure, each as an instruction. */
function readmeDifferences(enText: string, zhText: string): string[] {
	const en = parseSections(enText);
	const zh = parseSections(zhText);
	const pairs = pairSections(en, zh);
	return pairs.flatMap(([a, b], index) => {
		if (a && b) return compareBlocks(a, b);
		if (a) {
			const before = pairs
				.slice(0, index)
				.reverse()
				.find(([x, y]) => x && y)?.[1];
			const next = pairs.slice(index + 1).find(([, y]) => y)?.[1];
			const place = next
				? `right before ${ZH} line ${next.line} (${quote(next)})`
				: `at the end of ${ZH}`;
			const after = before ? `, after the translation ${quote(before)}` : '';
			const blocks = a.blocks.length
				? ` with its ${a.blocks.length === 1 ? 'code block' : `${a.blocks.length} code blocks`} (commands as in ${EN}, comments may be translated)`
				: '';
			return [
				`${ZH} lacks ${EN}'s section ${quote(a)} (line ${a.line}): add its translation as a level-${a.level} heading${blocks} ${place}${after}.`,
			];
		}
		return [
			`${ZH}'s section ${quote(b!)} (line ${b!.line}) has no counterpart in ${EN}: remove it from ${ZH}, or add the English original to ${EN} at the same place.`,
		];
	});
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
const anchor = (heading: string) =>
	heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
		.replace(/ /g, '-');

function brokenAnchors(file: string, text: string): string[] {
	const anchors = new Set(
		[...text.matchAll(/^#{1,6}\s+(.+?)\s*$/gm)].map(([, heading]) => anchor(heading)),
	);
	return [...text.matchAll(/\[[^\]]*\]\(#([^)]+)\)/g)]
		.filter(([, target]) => !anchors.has(decodeURIComponent(target)))
		.map(([link]) => `${file}: the link ${link} points at no heading of ${file}.`);
}

describe('the Chinese README keeps in step with README.md', () => {
	const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

	test(`${ZH} exists and the two link to each other in their first lines`, () => {
		expect(existsSync(path.join(ROOT, ZH))).toBe(true);
		expect(read(EN).split('\n').slice(0, 4).join('\n')).toContain(`](${ZH})`);
		expect(read(ZH).split('\n').slice(0, 4).join('\n')).toContain(`](${EN})`);
	});

	test('same sections and the same code blocks with the same commands', () => {
		expect(readmeDifferences(read(EN), read(ZH)).join('\n')).toBe('');
	});

	test('every in-page link of both files points at a heading', () => {
		expect([...brokenAnchors(EN, read(EN)), ...brokenAnchors(ZH, read(ZH))].join('\n')).toBe('');
	});
});

describe('the check itself', () => {
	const en = [
		'# Title',
		'Intro with `npm test`.',
		'```bash',
		'npm ci   # installs',
		'```',
		'## Install',
		'Run `npm install x`.',
		'### Options',
		'`timeout` and `pollInterval`.',
		'### Limits',
		'`maxConcurrent` bounds it.',
		'## Development',
		'```bash',
		'npm run build   # compiles',
		'npm test',
		'```',
	];
	const zh = [
		'# 标题',
		'介绍 `npm test`。',
		'```bash',
		'npm ci   # 安装依赖',
		'```',
		'## 安装',
		'运行 `npm install x`。',
		'### 选项',
		'`timeout` 和 `pollInterval`。',
		'### 限制',
		'`maxConcurrent` 限制它。',
		'## 开发',
		'```bash',
		'# 先编译',
		'npm run build',
		'npm test   # 测试',
		'```',
	];
	const lines = (...parts: string[][]) => parts.flat().join('\n');

	test('a faithful translation, comments included, passes', () => {
		expect(readmeDifferences(lines(en), lines(zh))).toEqual([]);
	});

	test('a section added to README.md is named with the place to add it, even among sections of the same level', () => {
		const added = lines(
			en.slice(0, 7),
			['### Download speed', 'Set `downloadSpeedLimit`.'],
			en.slice(7),
		);
		expect(readmeDifferences(added, lines(zh))).toEqual([
			`${ZH} lacks ${EN}'s section \`### Download speed\` (line 8): add its translation as a level-3 heading right before ${ZH} line 8 (\`### 选项\`), after the translation \`## 安装\`.`,
		]);
		const appended = lines(en, ['### Layout', 'Folders.']);
		expect(readmeDifferences(appended, lines(zh))).toEqual([
			`${ZH} lacks ${EN}'s section \`### Layout\` (line 17): add its translation as a level-3 heading at the end of ${ZH}, after the translation \`## 开发\`.`,
		]);
	});

	test('a section only in the translation is named', () => {
		const extra = lines(zh.slice(0, 11), ['### 多余', '没有原文。'], zh.slice(11));
		expect(readmeDifferences(lines(en), extra)).toEqual([
			`${ZH}'s section \`### 多余\` (line 12) has no counterpart in ${EN}: remove it from ${ZH}, or add the English original to ${EN} at the same place.`,
		]);
	});

	test('a changed command or a missing code block is named with both lines', () => {
		const changed = lines(en.slice(0, 14), ['npm run test:unit'], en.slice(15));
		expect(readmeDifferences(changed, lines(zh))).toEqual([
			`${EN}'s \`## Development\` (line 12) and its translation \`## 开发\` (${ZH} line 12): code block 1 differs (${EN} line 13, ${ZH} line 13): command 2 is \`npm run test:unit\` in ${EN} but \`npm test\` in ${ZH}. Only comments may be translated; copy the commands from ${EN}.`,
		]);
		const moreBlocks = lines(en, ['```bash', 'npm run lint', '```']);
		expect(readmeDifferences(moreBlocks, lines(zh))).toEqual([
			`${EN}'s \`## Development\` (line 12) and its translation \`## 开发\` (${ZH} line 12) have 2 and 1 code blocks: copy the code block at ${EN} line 17 (bash, starting \`npm run lint\`) into ${ZH}.`,
		]);
	});

	test('a broken in-page link is named', () => {
		expect(brokenAnchors(ZH, '## 错误、超时与取消\n[a](#错误超时与取消) [b](#errors)')).toEqual([
			`${ZH}: the link [b](#errors) points at no heading of ${ZH}.`,
		]);
	});
});
