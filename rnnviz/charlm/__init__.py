"""Character language models: corpora (the synthetic bracket language with its exact entropy, Python source,
prose, uploads), batching, the model, its plug-in of the training loop, sampling, looking inside, exports."""
