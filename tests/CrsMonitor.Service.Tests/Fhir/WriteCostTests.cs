using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Issue 12: what one Observation POST costs, counted in the statements the SQLite writer runs
/// (<see cref="Database.WriterStatements"/>) rather than estimated from the code. The README's figure is this one: a change
/// in it is a decision about the write path, to be made on purpose.
/// </summary>
public sealed class WriteCostTests
{
    /// <summary>Statements of one Observation POST in time order for an admitted patient without protocol doses (README).</summary>
    // 29 before issue 17, whose device streams read the patient's enrolled streams (one statement): 30; then 22 (README: a new
    // resource's readings neither looked up nor deleted, both scales in one statement per table, the seed checkpoint kept, the birth
    // date read with the checkpoint, no decisions or events read for a patient without windows); then 21 (no pending round asked
    // for when no reading-derived alert condition holds); then 20 (a new resource's claim no longer looked up first: refused, it
    // answers the holder).
    private const int ObservationPostStatements = 20;

    /// <summary>
    /// The commands carrying them, what PostgreSQL and SQL Server answer as round trips (before COMMIT): 15 when the seven reads
    /// after grading became one (<see cref="Service.Assessment.PatientSnapshot"/>); 9 now that the resource, its version and its
    /// claim are one (<see cref="FhirResourceStore.CreateAsync"/>), and so are grading's deletes and its checkpoint
    /// (<see cref="Service.Assessment.TimelineWriteBack"/>).
    /// </summary>
    private const int ObservationPostCommands = 9;

    [Test]
    public async Task ObservationPost_InTimeOrder_RunsTheStatementsTheReadmeStates()
    {
        await using var database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var host = new ServiceHost(database.HostSettings);
        using var integration = host.ClientFor("integration");
        await AdmitAsync(integration, "p-cost", "7W");
        var at = ServiceHost.Start.AddHours(-2);
        // The first readings of a patient grade from the start and leave the checkpoints later writes resume from.
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-cost", 37.0m, "Cel", at))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-cost", 37.0m, "Cel", at.AddMinutes(1)))));
        var writer = host.Services.GetRequiredService<Database>();

        var counts = new List<(long Statements, long Commands)>();
        for (var i = 1; i <= 3; i++)
        {
            var (statements, commands) = (writer.WriterStatements, writer.WriterCommands);
            await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-cost", 37.0m + (i / 10m), "Cel", at.AddMinutes(2 * i)))));
            counts.Add((writer.WriterStatements - statements, writer.WriterCommands - commands));
        }

        Assert.That(counts, Is.All.EqualTo((ObservationPostStatements, ObservationPostCommands)), $"(statements, commands) per POST: {string.Join(", ", counts)}");
    }
}
