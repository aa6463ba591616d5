using System.Diagnostics;
using Npgsql;
using static CrsMonitor.Cluster.Tests.Ward;

namespace CrsMonitor.Cluster.Tests;

/// <summary>
/// Issue 14, item 1 over the cluster: a dashboard connected to node2 receives the alerts of Observations posted to
/// node1, every change of its unit exactly once, in seq order, within 1 s. 50 fevers of 50 patients of unit 7W, one
/// at a time (the next posted once the previous arrived), so each latency is the push path, not a queue of writes.
/// </summary>
public sealed class CrossNodeDeliveryTests
{
    private const string Unit = "7W";
    private const int Alerts = 50;

    [Test]
    [CancelAfter(180_000)]
    public async Task AnAlertCommittedOnNode1_ReachesADashboardOnNode2_EveryChangeOnceInSeqOrderWithinOneSecond(CancellationToken cancel)
    {
        var cluster = LocalCluster.Current;
        using var node1 = Client(cluster.Nodes[0], await cluster.TokenAsync("--role", "integration"));
        var patients = Enumerable.Range(1, Alerts).Select(i => $"xn-{Run}-{i}").ToList();
        foreach (var patient in patients)
        {
            await AdmitAsync(node1, patient, Unit);
        }

        await using var dashboard = await Dashboard.ConnectAsync("7W nurse on node2", cluster.Nodes[1], await cluster.TokenAsync("--role", "nurse", "--unit", Unit));
        var before = await LastSeqAsync(cluster, Unit);

        List<double> answerToReceipt = [], startToReceipt = [];
        foreach (var patient in patients)
        {
            cancel.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            await FeverAsync(node1, patient);
            var answered = Stopwatch.GetTimestamp();
            var seen = await dashboard.WaitForAsync(
                all => all.Any(e => e.PatientId == patient && e.Kind == "alertRaised"), TimeSpan.FromSeconds(5),
                $"the CRS alert of {patient}, committed on node1, on the dashboard connected to node2 (cross-node delivery, issue 14 item 1)");
            var receipt = seen.First(e => e.PatientId == patient && e.Kind == "alertRaised").At;
            answerToReceipt.Add(Ms(answered, receipt));
            startToReceipt.Add(Ms(start, receipt));
        }

        // Anything sent twice or late arrives within this second, or never under the contract.
        await Task.Delay(TimeSpan.FromSeconds(1), cancel);
        var committed = await ChangesAfterAsync(cluster, Unit, before);
        var received = dashboard.SeqsOf(Unit).Where(s => s > before).ToList();

        Figure($"cross-node alert latency over {Alerts} alerts (POST to node1, dashboard on node2): 201 -> alertRaised p50 {Percentile(answerToReceipt, 50):F1} ms, "
            + $"p99 {Percentile(answerToReceipt, 99):F1} ms, max {answerToReceipt.Max():F1} ms; POST start -> alertRaised p50 {Percentile(startToReceipt, 50):F1} ms, p99 {Percentile(startToReceipt, 99):F1} ms");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(committed, Has.Count.GreaterThanOrEqualTo(Alerts), "every fever raised an alert (alert_change rows of 7W)");
            Assert.That(received, Is.EqualTo(committed), "the node2 dashboard got every 7W change committed on node1 exactly once, in seq order");
            Assert.That(answerToReceipt.Max(), Is.LessThanOrEqualTo(1000), "each alert within 1 s of its commit (its 201)");
        }
    }

    internal static async Task<long> LastSeqAsync(LocalCluster cluster, string unit)
    {
        await using var connection = await cluster.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(max(seq), 0) FROM alert_change WHERE unit = @unit", connection);
        command.Parameters.AddWithValue("unit", unit);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    internal static async Task<List<long>> ChangesAfterAsync(LocalCluster cluster, string unit, long after)
    {
        await using var connection = await cluster.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("SELECT seq FROM alert_change WHERE unit = @unit AND seq > @after ORDER BY seq", connection);
        command.Parameters.AddWithValue("unit", unit);
        command.Parameters.AddWithValue("after", after);
        await using var reader = await command.ExecuteReaderAsync();
        var seqs = new List<long>();
        while (await reader.ReadAsync())
        {
            seqs.Add(reader.GetInt64(0));
        }

        return seqs;
    }
}
