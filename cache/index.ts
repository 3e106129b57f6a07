// Public surface of cache/: code outside this folder imports only from here.

// digests and content store
