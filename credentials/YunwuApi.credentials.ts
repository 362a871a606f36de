import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class YunwuApi implements ICredentialType {
	name = 'yunwuApi';

	displayName = 'Yunwu API';

	icon: Icon = { light: 'file:yunwu.svg', dark: 'file:yunwu.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-yunwu/n8n-nodes-yunwu#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description:
				'Your Yunwu API key (it starts with "sk-"), from the token page of your Yunwu dashboard',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			required: true,
			default: 'https://yunwu.ai',
			description:
				'The Yunwu API address, without a path (a trailing /v1 is ignored); change it only for a mirror or your own OneAPI-compatible gateway',
		},
	];

	// n8n's own mechanism adds the header, and only to requests made with this credential.
	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: { Authorization: '=Bearer {{$credentials.apiKey}}' },
		},
	};

	// Listing models needs a valid key and nothing else, so it proves the key without touching a task.
	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{ ($credentials.baseUrl || "https://yunwu.ai").trim().replace(/\\/+$/, "").replace(/\\/v1$/i, "") }}',
			url: '/v1/models',
			method: 'GET',
			// n8n follows redirects and re-sends the key across origins: the key must stay with the Base URL.
			disableFollowRedirect: true,
		},
		rules: [
			// A rule's message is fixed text, so it cannot name where the redirect points (the node's own errors do).
			...[301, 302, 303, 307, 308].map((code) => ({
				type: 'responseCode' as const,
				properties: {
					value: code,
					message: `The Base URL answered with a redirect (HTTP ${code}), which the test does not follow so your key is not sent to another address. Put the address it redirects to (open the Base URL in a browser to see it) into the Base URL.`,
				},
			})),
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'Yunwu rejected this API key (HTTP 401). Copy the key again from your Yunwu dashboard.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'Yunwu refused this API key (HTTP 403). Check that the key is enabled and has balance.',
				},
			},
		],
	};
}
