using Google.Protobuf;

namespace Offload.Grpc.Server;

/// <summary>Maps /package.Service/Method paths to handlers of the four kinds.</summary>
public sealed class GrpcServiceRegistry
{
    private readonly Dictionary<string, ServerMethod> _methods = new(StringComparer.Ordinal);

    public GrpcServiceRegistry AddUnary<TRequest, TResponse>(Method<TRequest, TResponse> method,
        UnaryHandler<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
        Add(method, MethodType.Unary, ServerMethod<TRequest, TResponse>.Unary(method, handler));

    public GrpcServiceRegistry AddServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method,
        ServerStreamingHandler<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
        Add(method, MethodType.ServerStreaming, ServerMethod<TRequest, TResponse>.ServerStreaming(method, handler));

    public GrpcServiceRegistry AddClientStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method,
        ClientStreamingHandler<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
        Add(method, MethodType.ClientStreaming, ServerMethod<TRequest, TResponse>.ClientStreaming(method, handler));

    public GrpcServiceRegistry AddDuplexStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method,
        DuplexStreamingHandler<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse> =>
        Add(method, MethodType.DuplexStreaming, ServerMethod<TRequest, TResponse>.Duplex(method, handler));

    public IReadOnlyCollection<string> MethodNames => _methods.Keys;

    internal bool TryGet(string path, out ServerMethod method) => _methods.TryGetValue(path, out method!);

    private GrpcServiceRegistry Add<TRequest, TResponse>(Method<TRequest, TResponse> method, MethodType expected,
        ServerMethod serverMethod)
        where TRequest : class, IMessage<TRequest> where TResponse : class, IMessage<TResponse>
    {
        if (method.Type != expected)
            throw new ArgumentException($"{method} is a {method.Type} method, not {expected}", nameof(method));
        if (!_methods.TryAdd(method.FullName, serverMethod))
            throw new ArgumentException($"{method} is already registered", nameof(method));
        return this;
    }
}
