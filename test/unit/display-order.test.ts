// n8n 1.x checks a field's `show` conditions in key order, and its `_cnd` conditions throw on a
// parameter that is not set: `{ _cnd: { startsWith: 'veo' } }` on `model` throws "Cannot read
// properties of undefined (reading 'startsWith')" for a Query or Wait Until Complete node, which
// has no model, and n8n fails the whole execution before the node runs (e2e/n8n.e2e.test.ts, n8n
// 1.x). A field must first be ruled out by its operation.
import { YunwuVideo } from '../../nodes/YunwuVideo/YunwuVideo.node';

test('every field shown for some operations tests the operation before any other parameter', () => {
	const firstTested = new YunwuVideo().description.properties
		.filter((property) => property.displayOptions)
		.map((property) => [property.name, Object.keys(property.displayOptions?.show ?? {})[0]]);
	expect(firstTested.length).toBeGreaterThan(20);
	expect(firstTested.filter(([, first]) => first !== 'operation')).toEqual([]);
});
