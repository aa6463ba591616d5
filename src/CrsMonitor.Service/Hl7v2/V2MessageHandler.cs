using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CrsMonitor.Service.Hl7v2.Er7;
using CrsMonitor.Service.Hl7v2.Mllp;
using CrsMonitor.Service.Hl7v2.Translation;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Ingest.Endpoints;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Hl7v2;

/// <summary>
/// One HL7 v2 message from the MLLP listener to its ACK: parse (ER7) → MSH checks (AE/AR) → a resend by key gets the
/// answer it got before → translate to FHIR entries → the FHIR rules on each (<see cref="FhirBundleProcessor.Plan"/>)
/// → one transaction through the FHIR write path, with the same audit, and the message's log row in it → AA after the
/// commit. Every refusal is an AE whose ERR names the segment and field; the message is kept as a rejected payload and
/// nothing else is stored. A database that cannot be reached is AR: nothing stored, resend.
/// </summary>
internal sealed partial class V2MessageHandler(
    FhirBundleProcessor processor, V2Translator translator, V2Refusals refusals, MessageGate gate, Database database, TimeProvider time,
    IOptions<Hl7v2Settings> options, ILogger<V2MessageHandler> logger) : IMllpMessageHandler
{
    /// <summary>How often a message whose key another connection logged concurrently is taken again from the look-up.</summary>
    private const int MaxAttempts = 3;

    public Task<byte[]> HandleAsync(ReadOnlyMemory<byte> message, MllpPeer peer, CancellationToken cancellationToken) =>
        HandleAsync(message, peer, 1, cancellationToken);

    private async Task<byte[]> HandleAsync(ReadOnlyMemory<byte> message, MllpPeer peer, int attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var received = time.GetUtcNow();
        var context = new V2Context(peer, received, message, Guid.NewGuid().ToString("N"));
        Er7Message parsed;
        string text;
        try
        {
            text = Er7Text.Decode(message.Span);
            parsed = Er7Parser.Parse(text);
        }
        catch (Er7FormatException e)
        {
            var issue = new V2Issue(e.Location, V2ErrorCode.DataTypeError, e.Problem);
            return await refusals.RefuseAsync(context, null, null, AckCode.Error, "The message cannot be read", [issue], cancellationToken).ConfigureAwait(false);
        }

        var header = MessageHeader.Read(parsed);
        context = context with { Header = header };
        if (HeaderChecks.Problem(parsed, header, options.Value) is { } problem)
        {
            return await refusals.RefuseAsync(context, parsed, null, problem.Code, problem.Issue.Text, [problem.Issue], cancellationToken).ConfigureAwait(false);
        }

        var key = new MessageKey(header.SendingApplication, header.SendingFacility, header.ControlId);
        var hash = ContentHash(text, parsed.Delimiters.Field);
        using var pass = await gate.EnterAsync(key, cancellationToken).ConfigureAwait(false);
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await MessageLog.FindAsync(connection, key, cancellationToken).ConfigureAwait(false) is { } logged)
            {
                return await AnswerResendAsync(context, parsed, logged, hash, cancellationToken).ConfigureAwait(false);
            }
        }

        var translation = translator.Translate(parsed, header)!;
        var issues = new List<V2Issue>(translation.Findings.Issues);
        if (translation.Findings.HasErrors)
        {
            // The FHIR rules would only repeat what is missing (a refused time is also an Observation without one).
            return await RefuseContentAsync(context, parsed, key, hash, issues, cancellationToken).ConfigureAwait(false);
        }

        var planned = new List<TransactionEntry>();
        for (var i = 0; i < translation.Entries.Count; i++)
        {
            var (entry, error) = processor.Plan(translation.Entries[i].Entry, i);
            if (error is not null)
            {
                issues.AddRange(FhirErrorMapping.Map(error.Outcome.Issue, translation.Entries, parsed.Msh.At(0)));
            }
            else
            {
                issues.AddRange(FhirErrorMapping.Map(entry!.Interpretation.Warnings, translation.Entries, parsed.Msh.At(0)));
                planned.Add(entry);
            }
        }

        if (issues.Exists(i => i.Severity == V2Severity.Error))
        {
            return await RefuseContentAsync(context, parsed, key, hash, issues, cancellationToken).ConfigureAwait(false);
        }

        var ack = Ack.Build(parsed, options.Value.ApplicationName, AckCode.Accept, Accepted(planned.Count), issues, received);
        var origin = new WriteOrigin(new CurrentUser(header.Sender, [Roles.Integration], []), new AuditTrail(), peer.Address.ToString(), context.CorrelationId);
        try
        {
            await processor.CommitTransactionAsync(planned, translation.Entries.Count, origin, "hl7v2." + header.Type, async (c, tx, now) =>
            {
                if (!await MessageLog.TryAppendAsync(c, tx, key, hash, header.Type, now, "AA", ack, cancellationToken).ConfigureAwait(false))
                {
                    throw new ResentConcurrentlyException();
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (WriteRefusedException refused)
        {
            issues.AddRange(FhirErrorMapping.Map(refused.Error.Outcome.Issue, translation.Entries, parsed.Msh.At(0)));
            return await RefuseContentAsync(context, parsed, key, hash, issues, cancellationToken).ConfigureAwait(false);
        }
        catch (ResentConcurrentlyException) when (attempt < MaxAttempts)
        {
            // The same key on another connection was logged first: take the message again from the look-up, which
            // answers what that one got (on PostgreSQL its row can be seen a moment after the conflict is reported).
            return await HandleAsync(message, peer, attempt + 1, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (DbErrors.IsUnavailable(e))
        {
            LogUnavailable(logger, context.CorrelationId, e.Message);
            var issue = new V2Issue(parsed.Msh.At(10), V2ErrorCode.ApplicationInternalError, "the database is unavailable; nothing was stored: resend this message");
            return Encode(Ack.Build(parsed, options.Value.ApplicationName, AckCode.Reject, issue.Text, [issue], received), header);
        }

        return Encode(ack, header);
    }

    private async Task<byte[]> RefuseContentAsync(
        V2Context context, Er7Message parsed, MessageKey key, string hash, List<V2Issue> issues, CancellationToken ct)
    {
        var errors = issues.Count(i => i.Severity == V2Severity.Error);
        var text = errors == 1 ? issues.First(i => i.Severity == V2Severity.Error).ToString() : $"{errors} errors: see ERR; nothing was stored";
        return await refusals.RefuseAsync(context, parsed, (key, hash), AckCode.Error, text, issues, ct).ConfigureAwait(false);
    }

    /// <summary>A message whose key was answered before: the same answer if it is the same message, else AE naming MSH-10.</summary>
    private async Task<byte[]> AnswerResendAsync(V2Context context, Er7Message parsed, LoggedAnswer logged, string hash, CancellationToken ct)
    {
        if (logged.ContentHash == hash)
        {
            refusals.Resent(context);
            return Encode(logged.Ack, context.Header);
        }

        var issue = new V2Issue(parsed.Msh.At(10), V2ErrorCode.DuplicateKeyIdentifier,
            $"control id '{context.Header!.ControlId}' of {context.Header.SendingApplication}@{context.Header.SendingFacility} was used by another message: nothing was stored; "
            + "give each message its own control id");
        return await refusals.RefuseAsync(context, parsed, null, AckCode.Error, issue.Text, [issue], ct).ConfigureAwait(false);
    }

    private static string Accepted(int count) => string.Create(CultureInfo.InvariantCulture, $"Stored: {count} resource{(count == 1 ? string.Empty : "s")}");

    private static byte[] Encode(string ack, MessageHeader? header) => Er7Text.Encode(ack, header?.CharacterSet);

    /// <summary>What a resend must repeat: the message without MSH-7 (some engines stamp a resend with a new time).</summary>
    private static string ContentHash(string text, char field)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        var msh = end < 0 ? text : text[..end];
        var parts = msh.Split(field);
        var withoutTime = parts.Length > 6 ? string.Join(field, parts.Take(6).Concat(parts.Skip(7))) : msh;
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(withoutTime + (end < 0 ? string.Empty : text[end..]))));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Database unavailable during HL7 v2 message ({CorrelationId}): {Reason}; answered AR")]
    private static partial void LogUnavailable(ILogger logger, string correlationId, string reason);

    /// <summary>The message's key was logged by another connection between the look-up and the commit.</summary>
    private sealed class ResentConcurrentlyException() : Exception("the message was logged concurrently");
}

/// <summary>One message in hand: where it came from, when, its bytes, its correlation id (audit, logs) and, once read, its header.</summary>
internal sealed record V2Context(MllpPeer Peer, DateTimeOffset Received, ReadOnlyMemory<byte> Payload, string CorrelationId)
{
    public MessageHeader? Header { get; init; }
}
