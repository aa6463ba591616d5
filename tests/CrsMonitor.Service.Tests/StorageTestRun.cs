using CrsMonitor.Service.Tests.Storage;

namespace CrsMonitor.Service.Tests;

/// <summary>
/// Stops the PostgreSQL test server (if any test started it) when the whole test run ends. It sits in the root
/// namespace so it runs after every fixture that may use PostgreSQL, not only the storage ones.
/// </summary>
[SetUpFixture]
public sealed class StorageTestRun
{
    [OneTimeTearDown]
    public Task StopPostgres() => PostgresServer.StopIfStartedAsync();
}
