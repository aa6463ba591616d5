namespace CrsMonitor.Browser.Tests;

/// <summary>Once per run, before any fixture: the artifacts folder starts empty.</summary>
[SetUpFixture]
public sealed class RunSetup
{
    [OneTimeSetUp]
    public void ClearArtifacts() => Artifacts.Clear();
}
