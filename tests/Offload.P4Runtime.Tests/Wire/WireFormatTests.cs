using Google.Protobuf;
using Offload.Grpc;
using Offload.P4Runtime.Session;
using Offload.P4Runtime.Views;
using Offload.P4Runtime.Wire;
using P4.V1;
using Xunit;

namespace Offload.P4Runtime.Tests.Wire;

/// <summary>Our wire writer and reader against Google.Protobuf, and the encoded views against the messages they stand for.</summary>
public sealed class WireFormatTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(200)]
    [InlineData(20_000)]
    public void WireWriter_WritesWhatGoogleProtobufWrites(int metadataLength)
    {
        var metadata = Enumerable.Range(0, metadataLength).Select(i => (byte)i).ToArray();
        var expected = new Update
        {
            Type = Update.Types.Type.Modify,
            Entity = new Entity { TableEntry = new TableEntry { TableId = 33_554_434, Priority = 0, IdleTimeoutNs = long.MaxValue, Metadata = ByteString.CopyFrom(metadata) } },
        };
        expected.Entity.TableEntry.Match.Add(new FieldMatch { FieldId = 1, Exact = new FieldMatch.Types.Exact { Value = ByteString.CopyFrom(0) } });
        expected.Entity.TableEntry.Match.Add(new FieldMatch { FieldId = 300, Exact = new FieldMatch.Types.Exact { Value = ByteString.CopyFrom(0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1) } });

        var buffer = new byte[metadataLength + 256];
        var w = new WireWriter(buffer);
        w.Varint(1, (ulong)Update.Types.Type.Modify);
        var entity = w.BeginMessage(2);
        var entry = w.BeginMessage(2);
        w.Varint(1, 33_554_434);
        foreach (var (id, value) in new (uint, UInt128)[] { (1, 0), (300, ((UInt128)0x1234 << 112) | 1) })
        {
            var match = w.BeginMessage(2);
            w.Varint(1, id);
            var exact = w.BeginMessage(2);
            w.Canonical(1, value);
            w.EndMessage(exact);
            w.EndMessage(match);
        }
        w.Varint(4, 0);
        w.Varint(9, long.MaxValue);
        if (metadataLength > 0)
            w.Bytes(11, metadata);
        w.EndMessage(entry);
        w.EndMessage(entity);

        Assert.Equal(Convert.ToHexString(expected.ToByteArray()), Convert.ToHexString(w.Written));
    }

    [Fact]
    public void WireReader_ReadsFieldsBack_AndRefusesWhatIsMalformed()
    {
        var bytes = new Update { Type = Update.Types.Type.Delete, Entity = new Entity { TableEntry = new TableEntry { TableId = 7 } } }.ToByteArray();
        var reader = new WireReader(bytes);
        Assert.True(reader.TryReadTag(out var field, out var wire));
        Assert.Equal((1, WireReader.Varint), (field, wire));
        Assert.True(reader.TryReadVarint(wire, out var type));
        Assert.Equal(3ul, type);
        Assert.True(reader.TryReadTag(out field, out wire));
        Assert.False(reader.TryReadVarint(wire, out _)); // entity is length-delimited
        Assert.True(reader.TryReadLengthDelimited(wire, out var entity));
        Assert.True(reader.AtEnd);
        Assert.Equal(new Entity { TableEntry = new TableEntry { TableId = 7 } }, Entity.Parser.ParseFrom(entity));

        var truncatedVarint = new WireReader([0x08, 0x80]);
        Assert.True(truncatedVarint.TryReadTag(out _, out _));
        Assert.False(truncatedVarint.TryReadVarint(out _));
        var elevenBytes = new WireReader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        Assert.False(elevenBytes.TryReadVarint(out _));
        var tooLong = new WireReader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]);
        Assert.False(tooLong.TryReadVarint(out _));
        var pastTheEnd = new WireReader([0x12, 0x05, 0x01]);
        Assert.True(pastTheEnd.TryReadTag(out _, out _));
        Assert.False(pastTheEnd.TryReadLengthDelimited(out _));
        Assert.False(new WireReader([0x00, 0x01]).TryReadTag(out _, out _)); // field number 0
    }

    [Fact]
    public void EncodedWriteRequest_IsWireCompatibleWithWriteRequest()
    {
        var request = new WriteRequest
        {
            DeviceId = 9, Role = "offload", ElectionId = new Uint128 { High = 1, Low = 2 }, Atomicity = WriteRequest.Types.Atomicity.RollbackOnError,
        };
        request.Updates.Add(P4RuntimeClient.Insert(new Entity { TableEntry = new TableEntry { TableId = 1, Priority = 4 } }));
        request.Updates.Add(P4RuntimeClient.Delete(new Entity { ActionProfileMember = new ActionProfileMember { ActionProfileId = 2, MemberId = 3 } }));
        var bytes = request.ToByteArray();

        var encoded = EncodedWriteRequest.Parser.ParseFrom(bytes);
        Assert.Equal((9ul, "offload", WriteRequest.Types.Atomicity.RollbackOnError), (encoded.DeviceId, encoded.Role, encoded.Atomicity));
        Assert.Equal(request.Updates.Select(u => u.ToByteString()), encoded.Updates);
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(encoded.ToByteArray()));
        Assert.Equal(request, WriteRequest.Parser.ParseFrom(encoded.ToByteArray()));
    }

    [Fact]
    public void EncodedUpdates_DecodeOnDemand_AndWriteResultsSliceWithoutCopying()
    {
        var updates = Enumerable.Range(1, 4).Select(i => P4RuntimeClient.Insert(new Entity { TableEntry = new TableEntry { TableId = (uint)i } })).ToList();
        var encoded = EncodedUpdates.Of(updates);
        Assert.Same(encoded, EncodedUpdates.Of(encoded));
        Assert.Equal(updates, encoded);
        Assert.Equal(updates.Select(u => u.ToByteString()), encoded.Bytes);

        var result = WriteResult.Of(encoded, [StatusCode.OK, StatusCode.AlreadyExists, StatusCode.OK, StatusCode.NotFound]);
        Assert.False(result.AllOk);
        var middle = result.Slice(1, 2);
        Assert.Equal(2, middle.Count);
        Assert.Equal([(0, StatusCode.AlreadyExists, 2u)], middle.Failures.Select(f => (f.Index, f.Code, f.Update.Entity.TableEntry.TableId)));
        Assert.True(result.Slice(2, 1).AllOk);
        Assert.True(result.Slice(4, 0).AllOk);
        Assert.Throws<ArgumentOutOfRangeException>(() => result.Slice(3, 2));
        var decodes = new CountingUpdates(encoded);
        Assert.Single(WriteResult.Of(decodes, [StatusCode.OK, StatusCode.AlreadyExists, StatusCode.OK, StatusCode.OK]).Failures);
        Assert.Equal(1, decodes.Reads);
        var failure = Assert.Throws<P4RuntimeWriteException>(middle.ThrowIfFailed);
        Assert.StartsWith("1 of 2 updates failed", failure.Message);
    }

    private sealed class CountingUpdates(IReadOnlyList<Update> updates) : IReadOnlyList<Update>
    {
        public int Reads { get; private set; }
        public int Count => updates.Count;

        public Update this[int index]
        {
            get
            {
                Reads++;
                return updates[index];
            }
        }

        public IEnumerator<Update> GetEnumerator() => Enumerable.Range(0, Count).Select(i => this[i]).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
