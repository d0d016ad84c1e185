using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Offload.P4Runtime.Entities;
using Offload.P4Runtime.Session;
using Offload.Simulator.Device;
using Offload.Simulator.P4Runtime;
using Offload.Simulator.P4Runtime.Entities;
using Offload.Simulator.Runtime;
using P4.V1;
using Xunit;

namespace Offload.Simulator.Tests.P4Runtime;

/// <summary>
/// The bytes-first write path against the general one: the same stream of updates (valid ones, ones the spec refuses,
/// corrupted bytes) goes to two devices, one through <see cref="ExactEntryWriter"/> with the general path behind it,
/// one through the general path alone. Every outcome, error text included, and the final tables must be the same.
/// </summary>
public sealed class ExactEntryWriterTests
{
    private static readonly Offload.P4Runtime.Schema.P4InfoIndex P4Info = OffloadP4Info.Index;

    [Fact]
    public void SameOutcomesAndTables_AsTheGeneralPath_ForValidRefusedAndCorruptUpdates()
    {
        var (fast, fastDevice) = NewDevice();
        var (general, generalDevice) = NewDevice();
        using (fastDevice)
        using (generalDevice)
        {
            var random = new Random(20261201);
            var stream = Updates(random, 6000);
            var taken = 0;
            for (var i = 0; i < stream.Count; i++)
            {
                var bytes = stream[i];
                var viaFast = Outcome(() =>
                {
                    if (ExactEntryWriter.TryRead(fast, bytes.Span, out var write) && ExactEntryWriter.TryApply(write))
                        taken++;
                    else
                        EntityWriter.Apply(fast, Update.Parser.ParseFrom(bytes));
                });
                var viaGeneral = Outcome(() => EntityWriter.Apply(general, Update.Parser.ParseFrom(bytes)));
                Assert.True(viaGeneral == viaFast, $"update {i} ({Convert.ToHexString(bytes.Span)}): general path '{viaGeneral}', fast path '{viaFast}'");
            }
            Assert.Equal(Tables(general), Tables(fast));
            Assert.True(taken > 1500, $"only {taken} updates took the fast path");
            Assert.True(Tables(fast).Count > 500);
        }
    }

    [Fact]
    public void TryRead_NeverChangesTheDevice()
    {
        var (state, device) = NewDevice();
        using (device)
        {
            var insert = P4RuntimeClient.Insert(new Entity { TableEntry = Forward(7, 1000) }).ToByteString();
            Assert.True(ExactEntryWriter.TryRead(state, insert.Span, out var write));
            Assert.Empty(Tables(state));
            Assert.True(ExactEntryWriter.TryApply(write));
            Assert.Single(Tables(state));
        }
    }

    [Fact]
    public void TablesWithTernaryOrLpmFields_GoTheGeneralWay()
    {
        var (state, device) = NewDevice();
        using (device)
        {
            var acl = new TableEntryBuilder(P4Info, "acl").Ternary("ip_proto", 6, 0xff).Action("drop_acl").Priority(1).Build();
            var route = new TableEntryBuilder(P4Info, "routing_v4").Lpm("ipv4_dst", "10.0.0.0/8").Action("drop_route").Build();
            foreach (var entry in new[] { acl, route })
                Assert.False(ExactEntryWriter.TryRead(state, P4RuntimeClient.Insert(new Entity { TableEntry = entry }).ToByteString().Span, out _));
        }
    }

    private static (DeviceState State, SwitchDevice Device) NewDevice()
    {
        var device = new SwitchDevice(255, NullLogger.Instance);
        var service = new P4RuntimeService(1, device, NullLogger.Instance);
        service.Pipeline.Apply(SetForwardingPipelineConfigRequest.Types.Action.VerifyAndCommit, new ForwardingPipelineConfig { P4Info = P4Info.P4Info });
        return (device.State!, device);
    }

    private static string Outcome(System.Action write)
    {
        try
        {
            write();
            return "OK";
        }
        catch (P4Error ex)
        {
            return $"{ex.Code}: {ex.Message}";
        }
        catch (InvalidProtocolBufferException)
        {
            return "malformed";
        }
    }

    private static List<string> Tables(DeviceState device) =>
        EntityReader.Read(device, new Entity { TableEntry = new TableEntry() })
            .Select(e => Convert.ToHexString(e.ToByteArray())).Order(StringComparer.Ordinal).ToList();

    private static TableEntry Forward(int client, int backend) =>
        new TableEntryBuilder(P4Info, "conn_v4").Exact("ipv4_src", 0x0b000000 + client).Exact("ipv4_dst", 0x0a006401).Exact("ip_proto", 6)
            .Exact("l4_src_port", 1024 + client % 50).Exact("l4_dst_port", 80)
            .Action("forward", ("backend_id", backend), ("seq_delta", 0), ("ack_delta", 0)).IdleTimeout(TimeSpan.FromSeconds(60)).Build();

    private static TableEntry ForwardV6(int client) =>
        new TableEntryBuilder(P4Info, "conn_v6").Exact("ipv6_src", $"2001:db8::{client:x}").Exact("ipv6_dst", "2001:db8:100::1").Exact("ip_proto", 17)
            .Exact("l4_src_port", 5353).Exact("l4_dst_port", 53).Action("forward", ("backend_id", 2), ("seq_delta", 0), ("ack_delta", 0)).Build();

    private static TableEntry Reverse(int client) =>
        new TableEntryBuilder(P4Info, "reverse_conn_v4").Exact("ipv4_src", 0x0a00010b).Exact("ipv4_dst", 0x0b000000 + client).Exact("ip_proto", 6)
            .Exact("l4_src_port", 8080).Exact("l4_dst_port", 1024 + client % 50)
            .Action("reverse_nat_v4", ("backend_id", 3), ("vip_addr", 0x0a006401), ("vip_port", 80), ("seq_delta", 0), ("ack_delta", 0)).Build();

    private static TableEntry RouterMac(int n) =>
        new TableEntryBuilder(P4Info, "router_macs").Exact("eth_dst", 0x02aa00000000L + n).Action("set_routable").Build();

    /// <summary>Inserts and deletes over a small key space (so repeats hit AlreadyExists and NotFound), refused variants and corrupt bytes.</summary>
    private static List<ByteString> Updates(Random random, int count)
    {
        var updates = new List<ByteString>(count);
        for (var i = 0; i < count; i++)
        {
            var client = random.Next(400);
            var entry = random.Next(4) switch
            {
                0 => Forward(client, 1 + random.Next(5)), 1 => Reverse(client), 2 => ForwardV6(client), _ => RouterMac(client % 40),
            };
            var update = new Update { Type = random.Next(4) == 0 ? Update.Types.Type.Delete : Update.Types.Type.Insert, Entity = new Entity { TableEntry = entry } };
            var kind = random.Next(10);
            if (kind == 0)
                Refuse(random, update);
            var bytes = update.ToByteArray();
            if (kind == 1)
                bytes = Corrupt(random, bytes);
            updates.Add(ByteString.CopyFrom(bytes));
        }
        return updates;
    }

    private static void Refuse(Random random, Update update)
    {
        var entry = update.Entity.TableEntry;
        switch (random.Next(16))
        {
            case 0: entry.TableId = 0x02ffffff; break;
            case 1: entry.Match.RemoveAt(random.Next(entry.Match.Count)); break;
            case 2: entry.Match.Add(entry.Match[0].Clone()); break;
            case 3: entry.Match[0].Exact.Value = ByteString.Empty; break;
            case 4: entry.Match[^1].Exact.Value = ByteString.CopyFrom(1, 0, 0, 0, 0, 0, 0, 0, 0); break;
            case 5: entry.Priority = 1 + random.Next(10); break;
            case 6: entry.IdleTimeoutNs = -1; break;
            case 7: entry.IsDefaultAction = true; break;
            case 8: entry.Metadata = ByteString.CopyFromUtf8("cookie"); break;
            case 9: entry.CounterData = new CounterData { PacketCount = 3 }; break;
            case 10: entry.Action = null; break;
            case 11 when entry.Action?.Action is { } action && action.Params.Count > 0: action.Params.RemoveAt(0); break;
            case 12 when entry.Action?.Action is { } action && action.Params.Count > 0: action.Params.Add(action.Params[0].Clone()); break;
            case 13 when entry.Action?.Action is { } action: action.ActionId = 21257015; break; // @defaultonly in the connection tables
            case 14: update.Type = random.Next(2) == 0 ? Update.Types.Type.Unspecified : Update.Types.Type.Modify; break;
            default: entry.Match[0].FieldId = 99; break;
        }
    }

    private static byte[] Corrupt(Random random, byte[] bytes)
    {
        switch (random.Next(3))
        {
            case 0:
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length)];
            default:
                var extra = new byte[1 + random.Next(4)];
                random.NextBytes(extra);
                var at = random.Next(bytes.Length);
                return [.. bytes[..at], .. extra, .. bytes[at..]];
        }
    }
}
