using Xunit;

namespace Offload.Topology.Tests;

/// <summary>Topology tests build real namespaces and use root-namespace routes: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TopologyCollection
{
    public const string Name = "topology";
}
