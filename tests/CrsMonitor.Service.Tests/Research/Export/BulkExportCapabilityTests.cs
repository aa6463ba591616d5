using CrsMonitor.Service.Ingest.Endpoints;
using Hl7.Fhir.Rest;

namespace CrsMonitor.Service.Tests.Research.Export;

/// <summary><c>/fhir/metadata</c>, as Firely's client reads it, declares the Bulk Data export operation at the server level.</summary>
public sealed class BulkExportCapabilityTests
{
    [Test]
    public async Task Metadata_DeclaresTheSystemLevelExportOperation()
    {
        using var host = new ServiceHost();
        using var http = host.ClientWith(null);
        using var client = new FhirClient(new Uri(http.BaseAddress!, "fhir"), http, new FhirClientSettings { PreferredFormat = ResourceFormat.Json });
        var statement = (await client.CapabilityStatementAsync())!;
        var operation = statement.Rest.Single().Operation.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(operation.Name, Is.EqualTo("export"));
            Assert.That(operation.Definition, Is.EqualTo("http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"));
            Assert.That(operation.Definition, Is.EqualTo(Capabilities.BulkExportDefinition));
            Assert.That(operation.Documentation, Does.Contain("Prefer: respond-async").And.Contain("researcher"));
        }
    }
}
