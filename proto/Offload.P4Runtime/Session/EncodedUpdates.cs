using System.Collections;
using Google.Protobuf;
using P4.V1;

namespace Offload.P4Runtime.Session;

/// <summary>
/// Updates kept as the wire carries them, each the bytes of one p4.v1.Update, encoded once where it was made: a Write
/// of these only copies bytes (<see cref="P4RuntimeClient.WriteAsync"/> sends them as an EncodedWriteRequest). Read
/// as a list of updates, an item is decoded when asked for, as a failure report does.
/// </summary>
public sealed class EncodedUpdates : IReadOnlyList<Update>
{
    private readonly List<ByteString> _bytes;

    public EncodedUpdates(int capacity = 0) => _bytes = new List<ByteString>(capacity);

    /// <summary>These updates, encoded; a list that already is encoded is returned as it is.</summary>
    public static EncodedUpdates Of(IReadOnlyList<Update> updates)
    {
        if (updates is EncodedUpdates encoded)
            return encoded;
        var result = new EncodedUpdates(updates.Count);
        foreach (var update in updates)
            result.Add(update);
        return result;
    }

    public IReadOnlyList<ByteString> Bytes => _bytes;
    public int Count => _bytes.Count;
    public Update this[int index] => Update.Parser.ParseFrom(_bytes[index]);

    public void Add(Update update) => _bytes.Add(update.ToByteString());

    /// <summary>Adds an update already encoded; the bytes must be one p4.v1.Update.</summary>
    public void Add(ByteString update) => _bytes.Add(update);

    public void AddRange(EncodedUpdates updates) => _bytes.AddRange(updates._bytes);

    public IEnumerator<Update> GetEnumerator()
    {
        for (var i = 0; i < _bytes.Count; i++)
            yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
