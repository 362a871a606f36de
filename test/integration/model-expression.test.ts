import { credentialsFor, runNode, useYunwuServer } from '../support/harness/n8n';

const yunwu = useYunwuServer();

// n8n shows every field whose display depends on a parameter holding an expression, so with Model
// mapped from the input every model-dependent field counts as shown, Custom Model Name too.
test('Model mapped by an expression: each item creates with its own model and its family fields, nothing else to fill in', async () => {
	const before = yunwu().createBodies.length;
	const run = await runNode({
		parameters: {
			operation: 'create',
			model: '={{ $json.model }}',
			prompt: 'A paper boat',
			waitForCompletion: false,
		},
		items: [{ json: { model: 'sora-2' } }, { json: { model: 'veo3' } }],
		credentials: credentialsFor(yunwu()),
	});

	expect(run.error?.message).toBeUndefined();
	expect(yunwu().createBodies.slice(before)).toEqual([
		{
			model: 'sora-2',
			prompt: 'A paper boat',
			orientation: 'landscape',
			duration: 10,
			watermark: false,
			private: true,
		},
		{ model: 'veo3', prompt: 'A paper boat', enhance_prompt: false, enable_upsample: false },
	]);
	expect(run.items!.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
});

test('Other with no model name: the node says so for the item, before any request', async () => {
	const before = yunwu().createBodies.length;
	const run = await runNode({
		parameters: { operation: 'create', model: 'custom', prompt: 'A paper boat' },
		credentials: credentialsFor(yunwu()),
	});
	expect(run.error?.message).toBe(
		'The model of item 0 is empty. Choose a model, or enter its name under Other.',
	);
	expect(yunwu().createBodies.length).toBe(before);
});
