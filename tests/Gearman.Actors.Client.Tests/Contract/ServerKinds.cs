using Gearman.Actors.Client.Tests.Support;

namespace Gearman.Actors.Client.Tests.Contract;

/// <summary>The client and worker against Gearman.Actors, started in-process.</summary>
public sealed class BrokerContractTests : ClientWorkerContract<BrokerServer>, IClassFixture<BrokerServer>
{
    public BrokerContractTests(BrokerServer server) : base(server) { }
}

/// <summary>The client and worker against gearmand (Debian gearman-job-server), started as a process.</summary>
public sealed class GearmandContractTests : ClientWorkerContract<GearmandServer>, IClassFixture<GearmandServer>
{
    public GearmandContractTests(GearmandServer server) : base(server) { }
}
