using Offload.Grpc;
using P4.V1;

namespace Offload.P4Runtime.Session;

/// <summary>The six RPCs of p4.v1.P4Runtime.</summary>
public static class P4RuntimeMethods
{
    public const string Service = "p4.v1.P4Runtime";

    public static readonly Method<WriteRequest, WriteResponse> Write =
        new(MethodType.Unary, Service, "Write", WriteRequest.Parser, WriteResponse.Parser);

    /// <summary>The same Write, its updates kept as encoded p4.v1.Update bytes (see encoded_write.proto).</summary>
    public static readonly Method<Offload.P4Runtime.Views.EncodedWriteRequest, WriteResponse> EncodedWrite =
        new(MethodType.Unary, Service, "Write", Offload.P4Runtime.Views.EncodedWriteRequest.Parser, WriteResponse.Parser);

    public static readonly Method<ReadRequest, ReadResponse> Read =
        new(MethodType.ServerStreaming, Service, "Read", ReadRequest.Parser, ReadResponse.Parser);

    public static readonly Method<SetForwardingPipelineConfigRequest, SetForwardingPipelineConfigResponse> SetForwardingPipelineConfig =
        new(MethodType.Unary, Service, "SetForwardingPipelineConfig",
            SetForwardingPipelineConfigRequest.Parser, SetForwardingPipelineConfigResponse.Parser);

    public static readonly Method<GetForwardingPipelineConfigRequest, GetForwardingPipelineConfigResponse> GetForwardingPipelineConfig =
        new(MethodType.Unary, Service, "GetForwardingPipelineConfig",
            GetForwardingPipelineConfigRequest.Parser, GetForwardingPipelineConfigResponse.Parser);

    public static readonly Method<StreamMessageRequest, StreamMessageResponse> StreamChannel =
        new(MethodType.DuplexStreaming, Service, "StreamChannel", StreamMessageRequest.Parser, StreamMessageResponse.Parser);

    public static readonly Method<CapabilitiesRequest, CapabilitiesResponse> Capabilities =
        new(MethodType.Unary, Service, "Capabilities", CapabilitiesRequest.Parser, CapabilitiesResponse.Parser);
}
