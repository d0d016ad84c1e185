using Google.Protobuf;

namespace Offload.Grpc;

public enum MethodType
{
    Unary,
    ClientStreaming,
    ServerStreaming,
    DuplexStreaming,
}

/// <summary>An RPC method: its kind, its path (/package.Service/Method) and the parsers of its messages.</summary>
public sealed class Method<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public Method(MethodType type, string serviceName, string name,
        MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
    {
        Type = type;
        ServiceName = serviceName;
        Name = name;
        FullName = $"/{serviceName}/{name}";
        RequestParser = requestParser;
        ResponseParser = responseParser;
    }

    public MethodType Type { get; }
    public string ServiceName { get; }
    public string Name { get; }
    public string FullName { get; }
    public MessageParser<TRequest> RequestParser { get; }
    public MessageParser<TResponse> ResponseParser { get; }

    public override string ToString() => FullName;
}
