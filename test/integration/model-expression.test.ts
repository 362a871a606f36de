import { credentialsFor, runNode, useYunwuServer } from '../support/harness/n8n';

const yunwu = useYunwuServer();

/** A Create run on `models`, one item each, and the create bodies it sent. */
async function createFor(model: string, models: string[]) {
	const before = yunwu().createBodies.length;
	const credentials = credentialsFor(yunwu());
	const items = models.map((name) => ({ json: { model: name } }));
	const parameters = {
		operation: 'create',
		model,
		prompt: 'A paper boat',
		waitForCompletion: false,
	};
	const run = await runNode({ parameters, items, credentials });
	return { run, bodies: yunwu().createBodies.slice(before) };
}

// n8n shows every field whose display depends on a parameter holding an expression, so with Model
// mapped from the input every model-dependent field counts as shown, Custom Model Name too.
test('Model mapped by an expression: each item creates with its own model and its family fields, nothing else to fill in', async () => {
	const { run, bodies } = await createFor('={{ $json.model }}', ['sora-2', 'veo3']);

	expect(run.error?.message).toBeUndefined();
	expect(bodies).toEqual([
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
	const { run, bodies } = await createFor('custom', ['ignored']);
	expect(run.error?.message).toBe(
		'The model of item 0 is empty. Choose a model, or enter its name under Other.',
	);
	expect(bodies).toEqual([]);
});
