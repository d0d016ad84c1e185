namespace Offload.Grpc.Server;

public delegate Task<TResponse> UnaryHandler<in TRequest, TResponse>(TRequest request, ServerCallContext context);

public delegate Task ServerStreamingHandler<in TRequest, TResponse>(TRequest request,
    IAsyncStreamWriter<TResponse> responseStream, ServerCallContext context);

public delegate Task<TResponse> ClientStreamingHandler<TRequest, TResponse>(
    IAsyncStreamReader<TRequest> requestStream, ServerCallContext context);

public delegate Task DuplexStreamingHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
    IAsyncStreamWriter<TResponse> responseStream, ServerCallContext context);
