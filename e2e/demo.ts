/**
 * `npm run demo`: the newcomer's one command. Builds and packs the package, starts n8n 2.x (the
 * cached install) with it, serves a video task from the bundled Yunwu server (or uses the real
 * Yunwu API when YUNWU_API_KEY is set), imports the example workflow, runs it, prints the task's
 * fields and writes the MP4 into demo-output/.
 *
 *   npm run demo                  run the example once
 *   npm run demo -- --keep        then keep n8n running at http://localhost:5678 to play with the node
 *
 * Real API: YUNWU_API_KEY=sk-… YUNWU_TASK_ID=grok:… [YUNWU_BASE_URL=https://yunwu.ai] npm run demo
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT } from '../test/support/paths';
import { YunwuServer } from '../test/support/server/yunwu-server';
import {
	executeWorkflow,
	importIntoN8n,
	installN8n,
	makeUserFolder,
	n8nEnv,
	nodeOutput,
	packPackage,
	startN8n,
	stopN8n,
} from '../test/support/real-n8n/n8n';
import { credential } from '../test/support/real-n8n/workflows';

const SAMPLE_VIDEO = path.join(REPO_ROOT, 'test', 'fixtures', 'sample.mp4');
const OUTPUT_DIR = path.join(REPO_ROOT, 'demo-output');
const OWNER = {
	email: 'demo@example.com',
	firstName: 'Demo',
	lastName: 'User',
	password: 'Yunwu-demo-1',
};

const say = (text: string) => process.stdout.write(`${text}\n`);

async function main(): Promise<void> {
	const keep = process.argv.includes('--keep');
	const realApiKey = process.env.YUNWU_API_KEY;
	const realTaskId = process.env.YUNWU_TASK_ID;
	if (realApiKey && !realTaskId) {
		throw new Error(
			'With YUNWU_API_KEY set, also set YUNWU_TASK_ID to the id of a video task you created (for example grok:5cda…).',
		);
	}

	say(
		'1/5 Packing the package and preparing n8n 2.x (the first run downloads it, about 3 GB, in 4 to 10 minutes; later runs reuse it) ...',
	);
	// n8n first: a failed install leaves no packed package behind.
	const install = installN8n(2, 'the demo');
	const tarball = packPackage();
	let userFolder: string;
	try {
		userFolder = makeUserFolder(tarball);
	} finally {
		rmSync(path.dirname(tarball), { recursive: true, force: true });
	}
	try {
		await demo(install, userFolder, keep, realApiKey, realTaskId);
	} finally {
		rmSync(userFolder, { recursive: true, force: true });
	}
}

async function demo(
	install: ReturnType<typeof installN8n>,
	userFolder: string,
	keep: boolean,
	realApiKey: string | undefined,
	realTaskId: string | undefined,
): Promise<void> {
	mkdirSync(OUTPUT_DIR, { recursive: true });
	const env = await n8nEnv(install, userFolder, {
		N8N_RESTRICT_FILE_ACCESS_TO: OUTPUT_DIR,
		...(keep ? { N8N_PORT: process.env.N8N_PORT ?? '5678' } : {}),
	});

	let server: YunwuServer | undefined;
	let apiKey: string;
	let baseUrl: string;
	let taskId: string;
	if (realApiKey) {
		say(
			`2/5 Using the real Yunwu API at ${process.env.YUNWU_BASE_URL ?? 'https://yunwu.ai'} for task ${realTaskId}`,
		);
		apiKey = realApiKey;
		baseUrl = process.env.YUNWU_BASE_URL ?? 'https://yunwu.ai';
		taskId = realTaskId!;
	} else {
		server = await new YunwuServer({ apiHost: '127.0.0.1', fileHost: '127.0.0.2' }).start();
		taskId = server.addTask({
			id: 'grok:5cdad6a7-0730-426f-88ec-d39b863ada15',
			pendingPolls: 1,
			processingPolls: 2,
			end: 'completed',
			video: { bytes: readFileSync(SAMPLE_VIDEO) },
			thumbnail: true,
		});
		apiKey = server.apiKey;
		baseUrl = server.apiUrl;
		say(
			`2/5 Started the bundled Yunwu server: API ${server.apiUrl}, file host ${server.fileUrl}; task ${taskId} completes after 4 queries`,
		);
		say(
			`    To add a credential for it in the editor: Base URL ${server.apiUrl}, API Key ${server.apiKey}`,
		);
	}

	say(
		"3/5 Importing the Yunwu API credential and examples/wait-and-save-video.json with n8n's CLI ...",
	);
	const workflow = exampleWorkflow(taskId, realApiKey ? 10 : 1);
	await importIntoN8n(install, env, 'credentials', [
		credential(apiKey, baseUrl, 'yunwuDemoCredential'),
	]);
	await importIntoN8n(install, env, 'workflow', [workflow]);

	say('4/5 Running the workflow with `n8n execute` ...');
	const outcome = await executeWorkflow(install, env, 'yunwuDemo');
	const error = outcome.data?.resultData.error;
	if (!outcome.data || error) {
		throw new Error(
			`The workflow failed: ${error?.message ?? (outcome.stderr || outcome.stdout).slice(-2000)}`,
		);
	}
	const [video] = nodeOutput(outcome, 'Yunwu Video');
	const [saved] = nodeOutput(outcome, 'Save Video');
	say('5/5 Done. The Yunwu Video node output these task fields:');
	say(JSON.stringify(video.json, null, 2));
	const file = (saved?.json.fileName as string | undefined) ?? '(not written)';
	say(
		`\nThe video (${String(video.binary?.data?.fileSize ?? '?')}, ${String(video.binary?.data?.mimeType ?? '?')}) was written to:\n  ${file}`,
	);

	if (keep) {
		say('\nStarting n8n so you can open the editor ...');
		const n8n = await startN8n(install, env);
		await fetch(`${n8n.url}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(OWNER),
		});
		say(`n8n is running at ${n8n.url}  (sign in as ${OWNER.email} / ${OWNER.password})`);
		say(`The example workflow: ${n8n.url}/workflow/yunwuDemo . Press Ctrl+C to stop.`);
		await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
		await stopN8n(n8n.process);
	}
	await server?.stop();
}

/** The example workflow, pointed at this task and at demo-output/. */
function exampleWorkflow(taskId: string, pollIntervalSeconds: number): Record<string, unknown> {
	const workflow = JSON.parse(
		readFileSync(path.join(REPO_ROOT, 'examples', 'wait-and-save-video.json'), 'utf8'),
	) as {
		nodes: Array<{ name: string; parameters: Record<string, unknown> }>;
	};
	for (const node of workflow.nodes) {
		if (node.name === 'Task IDs') {
			(
				node.parameters.assignments as { assignments: Array<{ value: string }> }
			).assignments[0].value = taskId;
		}
		if (node.name === 'Yunwu Video')
			node.parameters.options = { pollInterval: pollIntervalSeconds, timeout: 1800 };
		if (node.name === 'Save Video')
			node.parameters.fileName = `=${OUTPUT_DIR}/{{ $binary.data.fileName }}`;
	}
	return { ...workflow, id: 'yunwuDemo', active: false };
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(`\nThe demo stopped: ${(error as Error).message}\n`);
		process.exit(1);
	},
);
