using Xunit;

namespace Offload.Controller.Tests.Health;

/// <summary>Tests that bound how long detection takes run alone, not beside tests that load both cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimedCollection
{
    public const string Name = "timed health";
}
