import type { IAuthenticateGeneric, Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

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
				'The Yunwu API address, without a path (a trailing /v1 is ignored; one typed without http:// or https:// is taken as https://); change it only for a mirror or your own OneAPI-compatible gateway',
		},
	];

	// n8n's own mechanism adds the header, and only to requests made with this credential.
	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: { Authorization: '=Bearer {{$credentials.apiKey}}' },
		},
	};

	// Its test is the Yunwu Video node's `yunwuApiTest` (`testedBy`): n8n runs a credential's own
	// declarative test before a node's, and that one can only show n8n's bare codes for a wrong Base URL.
}
