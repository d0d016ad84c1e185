using Microsoft.Extensions.Logging.Abstractions;
using Offload.P4Runtime.Bytestrings;
using Offload.Simulator.Device;
using Offload.Simulator.P4Runtime.Entities;
using Offload.Simulator.Runtime;
using Offload.Simulator.Runtime.Schema;
using Offload.Tests.Common;
using Offload.Tests.Common.Packets;
using P4.V1;
using Xunit;

namespace Offload.Simulator.Tests.Vectors;

/// <summary>Every packet test vector of tests/vectors/ against the simulator's offload.p4 pipeline.</summary>
public sealed class VectorRunnerTests
{
    private const uint CpuPort = 255;

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in VectorFiles.All())
            data.Add(file);
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Vector_RunOnSimulator_MatchesExpectedPackets(string relativePath)
    {
        var file = VectorFile.Load(Path.Combine(VectorFiles.Root, relativePath));
        using var device = new SwitchDevice(CpuPort, NullLogger.Instance);
        var messages = new List<StreamMessageResponse>();
        device.ToController = m => { lock (messages) messages.Add(m); return true; };
        device.Commit(new PipelineSchema(OffloadP4Info.Index));
        var state = device.State!;
        void Write(IEnumerable<Dictionary<string, object>> entries)
        {
            foreach (var update in VectorEntries.ToUpdates(OffloadP4Info.Index, entries))
            {
                try
                {
                    lock (state.Gate)
                        EntityWriter.Apply(state, update);
                }
                catch (P4Error ex)
                {
                    Assert.Fail($"{relativePath}: entry {update.Entity} refused: {ex.Code}: {ex.Message}");
                }
            }
        }
        Write(file.Entries);

        foreach (var vector in file.Cases)
        {
            Write(vector.Writes);
            lock (messages)
                messages.Clear();
            var outputs = vector.PacketOut is { } po
                ? device.PacketOut(PacketOutMessage(po))
                : device.Inject(vector.In!.Port, ScapyPacket.Build(vector.In.Packet));
            var where = $"{relativePath} / {vector.Name}";

            // Replicas leave in an order the target chooses: compare by port.
            var sent = outputs.Where(o => o.Port != CpuPort).OrderBy(o => o.Port).ToList();
            vector.Out = vector.Out.OrderBy(o => o.Port).ToList();
            Assert.True(vector.Out.Count == sent.Count,
                $"{where}: expected {vector.Out.Count} packet(s) out, got {sent.Count}: {string.Join(", ", sent.Select(s => $"port {s.Port}"))}");
            for (var i = 0; i < sent.Count; i++)
            {
                Assert.Equal(vector.Out[i].Port, sent[i].Port);
                PacketAssert.Equal(ScapyPacket.Build(vector.Out[i].Packet), sent[i].Packet, $"{where}, packet {i} on port {sent[i].Port}");
                PacketAssert.ChecksumsValid(sent[i].Packet, where);
            }

            List<StreamMessageResponse> received;
            lock (messages)
                received = messages.ToList();
            var packetIns = received.Where(m => m.UpdateCase == StreamMessageResponse.UpdateOneofCase.Packet).Select(m => m.Packet).ToList();
            Assert.True(vector.PacketIn.Count == packetIns.Count, $"{where}: expected {vector.PacketIn.Count} packet-in(s), got {packetIns.Count}");
            for (var i = 0; i < packetIns.Count; i++)
            {
                var expected = vector.PacketIn[i];
                var metadata = packetIns[i].Metadata.ToDictionary(m => m.MetadataId, m => (uint)P4Bytes.ToUInt64(m.Value));
                Assert.Equal(expected.IngressPort, metadata[1]);
                Assert.Equal(expected.Reason, metadata[2]);
                Assert.Equal(expected.VipId, metadata[3]);
                PacketAssert.Equal(ScapyPacket.Build(expected.Packet), packetIns[i].Payload.ToByteArray(), $"{where}, packet-in {i}");
            }

            // A vector's digest names its struct with "digest" (connection_digest_t when it does not).
            var digestNames = OffloadP4Info.Index.P4Info.Digests.ToDictionary(d => d.Preamble.Id, d => d.TypeSpec.Struct.Name);
            var digests = received.Where(m => m.UpdateCase == StreamMessageResponse.UpdateOneofCase.Digest)
                .SelectMany(m => m.Digest.Data.Select(data => (Name: digestNames[m.Digest.DigestId], Data: data))).ToList();
            Assert.True(vector.Digests.Count == digests.Count, $"{where}: expected {vector.Digests.Count} digest(s), got {digests.Count}");
            for (var i = 0; i < digests.Count; i++)
            {
                var name = vector.Digests[i].GetValueOrDefault("digest", "connection_digest_t");
                Assert.True(name == digests[i].Name, $"{where}: digest {i} is {digests[i].Name}, expected {name}");
                var widths = OffloadP4Info.Index.P4Info.TypeInfo.Structs[name].Members;
                foreach (var (field, text) in vector.Digests[i].Where(f => f.Key != "digest"))
                {
                    var at = widths.ToList().FindIndex(m => m.Name == field);
                    Assert.True(at >= 0, $"{where}: digest has no member {field}");
                    var width = widths[at].TypeSpec.Bitstring.Bit.Bitwidth;
                    Assert.True(P4Bytes.Canonicalize(P4Bytes.Parse(text, width), width) == digests[i].Data.Struct.Members[at].Bitstring,
                        $"{where}: digest {field}: expected {text}, got {P4Bytes.Format(digests[i].Data.Struct.Members[at].Bitstring, width)}");
                }
            }

            foreach (var counter in vector.Counters)
            {
                var (packets, _) = state.Counter(counter.Name).Read(counter.Index);
                Assert.True(counter.Packets == packets, $"{where}: {counter.Name}[{counter.Index}] expected {counter.Packets} packets, got {packets}");
            }
        }
    }

    private static PacketOut PacketOutMessage(VectorPacketOut po)
    {
        var message = new PacketOut { Payload = Google.Protobuf.ByteString.CopyFrom(ScapyPacket.Build(po.Packet)) };
        message.Metadata.Add(new PacketMetadata { MetadataId = 1, Value = P4Bytes.Encode(po.EgressPort, 16) });
        message.Metadata.Add(new PacketMetadata { MetadataId = 2, Value = P4Bytes.Encode(po.Mode, 8) });
        return message;
    }
}
