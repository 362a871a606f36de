// n8n's logger prints every failed node run; the tests assert on those errors instead.
process.env.N8N_LOG_LEVEL = 'silent';
