namespace Offload.P4Runtime.Schema;

/// <summary>A name, id or value that does not fit the loaded P4Info.</summary>
public sealed class P4InfoException : Exception
{
    public P4InfoException(string message) : base(message) { }
    public P4InfoException(string message, Exception inner) : base(message, inner) { }
}
