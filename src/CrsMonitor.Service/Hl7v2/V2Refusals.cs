using CrsMonitor.Service.Hl7v2.Er7;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Limits;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Hl7v2;

/// <summary>
/// A message refused (AE) or not taken (AR): its ACK, and in one transaction what is kept of it, as for a refused FHIR
/// request: the message as a rejected payload (method <c>MLLP</c>, path its type, with the findings as an
/// OperationOutcome whose expressions are the v2 locations), an audit row, and for AE the answer in the message log so
/// that a resend gets the same answer. A database that cannot be reached loses none of the answer: it is logged and
/// the ACK still goes back.
/// </summary>
internal sealed partial class V2Refusals(Database database, RejectedPayloadAllowance allowance, IOptions<Hl7v2Settings> options, ILogger<V2Refusals> logger)
{
    private const string MediaType = "application/hl7-v2";

    public async Task<byte[]> RefuseAsync(
        V2Context context, Er7Message? message, (MessageKey Key, string Hash)? log, AckCode code, string text, IReadOnlyList<V2Issue> issues, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var ack = Ack.Build(message, options.Value.ApplicationName, code, text, issues, context.Received);
        var header = context.Header;
        var sender = header?.Sender ?? "hl7v2:unknown";
        var type = header?.Type ?? "(unreadable)";
        var status = message is null ? 400 : code == AckCode.Error ? 422 : 501;
        var outcome = new OperationOutcome
        {
            Issue =
            [
                .. issues.Select(i => FhirOutcomes.Issue(
                    i.Severity == V2Severity.Error ? OperationOutcome.IssueSeverity.Error : OperationOutcome.IssueSeverity.Warning,
                    OperationOutcome.IssueType.Invalid, i.Location.ToString(), i.ToString())),
            ],
        };
        var payload = allowance.Apply(new RejectedPayload(
            context.Received, sender, "MLLP", type, MediaType, status, RejectedPayloadStore.BodyText(context.Payload.Span), FhirJson.Serialize(outcome)), context.Payload.Span);
        var audit = new AuditEntry(context.Received, sender, Roles.Integration, "hl7v2." + type, null, null, null, "error",
            context.Peer.Address.ToString(), context.CorrelationId, Clip(text));
        try
        {
            await database.InTransactionAsync(async (c, tx) =>
            {
                await RejectedPayloadStore.AppendAsync(c, tx, payload, ct).ConfigureAwait(false);
                await AuditStore.AppendAsync(c, tx, audit, ct).ConfigureAwait(false);
                if (log is { } l)
                {
                    await MessageLog.TryAppendAsync(c, tx, l.Key, l.Hash, type, context.Received, "AE", ack, ct).ConfigureAwait(false);
                }
            }, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e))
        {
            LogNotKept(logger, context.CorrelationId, e.Message);
        }

        LogRefused(logger, type, code, issues.Count, context.CorrelationId);
        return Er7Text.Encode(ack, header?.CharacterSet);
    }

    /// <summary>A resend answered from the log: nothing is written (the first answer's audit row stands).</summary>
    public void Resent(V2Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        LogResent(logger, context.Header?.Type ?? "(unreadable)", context.CorrelationId);
    }

    private static string Clip(string text) => text.Length <= 1000 ? text : text[..1000];

    [LoggerMessage(Level = LogLevel.Warning, Message = "HL7 v2 {MessageType} answered {Code} with {Issues} finding(s) ({CorrelationId})")]
    private static partial void LogRefused(ILogger logger, string messageType, AckCode code, int issues, string correlationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "HL7 v2 {MessageType} resent: answered as before ({CorrelationId})")]
    private static partial void LogResent(ILogger logger, string messageType, string correlationId);

    [LoggerMessage(Level = LogLevel.Error, Message = "HL7 v2 refusal ({CorrelationId}) could not be kept: {Reason}")]
    private static partial void LogNotKept(ILogger logger, string correlationId, string reason);
}
