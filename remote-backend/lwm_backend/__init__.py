"""LWM remote backend: the Large World Model on a JAX dp,fsdp,tp,sp mesh with ring attention, served over HTTP.

Model side: config, weights, model, attention, ring, mesh, engine. Server side: server, sessions, generation,
sampling, prompt, cli, multihost, auth. Vision tokenizer: vqgan, vqgan_weights, unpickle.
"""
