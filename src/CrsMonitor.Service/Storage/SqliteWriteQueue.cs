using System.Data.Common;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Microsoft.Data.Sqlite;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// SQLite's one writer, shared by this process's units of work, with group commit.
/// <para>
/// Writers queue on an async lock (never in SQLite's busy handler, which sleeps on a thread-pool thread and leaves the
/// lock idle between retries). The writer holding the lock runs its unit of work inside a SAVEPOINT of the group's open
/// transaction (BEGIN IMMEDIATE, opened by the first unit of the group), on its own execution flow; then, if another
/// writer is waiting and the group is not full, it hands the lock on and waits for the group's COMMIT; otherwise it
/// commits the group and every member's wait ends. One fsync then acknowledges several writes, each still answered only
/// after the COMMIT that made it durable (invariant 4). A unit that fails is rolled back to its savepoint alone; a
/// failed COMMIT fails every member (each then runs again when the failure is transient).
/// </para>
/// </summary>
internal sealed class SqliteWriteQueue : IDisposable
{
    /// <summary>Most units of work one COMMIT acknowledges (bounds how long the first member waits for the others).</summary>
    public const int MaxGroup = 16;

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Func<CancellationToken, Task<DbConnection>> open;
    private readonly Action<DbConnection, DbTransaction, List<Action>?> bind;
    private readonly TimeSpan limit;
    private readonly TimeProvider time;

    /// <summary>This flow's hold of the lock (a box: work started from inside a unit sees it released once it is).</summary>
    private readonly AsyncLocal<Hold?> holds = new();

    private int waiting;

    private volatile bool disposed;

    /// <summary>The last writer could not get the write lock (it gave up, or BEGIN was busy); no group has committed since.</summary>
    private volatile bool blocked;

    /// <summary>The group whose transaction is open; read and written only while holding <see cref="gate"/>.</summary>
    private Group? current;

    /// <summary>
    /// The writer's connection, kept open from group to group (its compiled statements with it:
    /// <see cref="StatementCachingConnection"/>); read and written only while holding <see cref="gate"/>. Dropped when
    /// BEGIN or COMMIT fails, so the next group starts on a fresh one.
    /// </summary>
    private DbConnection? writer;

    /// <param name="open">Opens the writer's connection (pragmas applied).</param>
    /// <param name="bind">
    /// Makes a transaction the connection's ambient one and points its after-commit list at the running unit's (null
    /// list: the group ended, forget both).
    /// </param>
    /// <param name="limit">
    /// A unit of work whose turn comes later than this after it was first asked for gives up without running
    /// (<see cref="TimeoutException"/>: the database is answered unavailable): the write lock was held too long, by another
    /// process (a frozen or locked database) or by a long queue.
    /// </param>
    /// <param name="time">The clock of <paramref name="limit"/>.</param>
    public SqliteWriteQueue(
        Func<CancellationToken, Task<DbConnection>> open, Action<DbConnection, DbTransaction, List<Action>?> bind, TimeSpan limit, TimeProvider time)
    {
        this.open = open;
        this.bind = bind;
        this.limit = limit;
        this.time = time;
    }

    /// <summary>
    /// Runs <paramref name="work"/> as one member of a group; returns its result once the group has committed, after
    /// running the actions it registered with <see cref="Database.AfterCommit"/>. <paramref name="askedAt"/> (a timestamp of
    /// the queue's clock) is when the unit of work was first asked for; a retry keeps the first attempt's.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, long askedAt, CancellationToken ct)
    {
        if (holds.Value is { Held: true })
        {
            throw new InvalidOperationException("a unit of work was started inside another one on SQLite: it would wait for its own write lock");
        }

        // Not cancellable once queued: a writer that got the lock may have handed the group's COMMIT on to this one.
        ct.ThrowIfCancellationRequested();
        Interlocked.Increment(ref waiting);
        await gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        Interlocked.Decrement(ref waiting);
        var hold = new Hold { Held = true };
        holds.Value = hold;

        var actions = new List<Action>();
        ExceptionDispatchInfo? failed = null;
        Task? committed = null;
        var result = default(T)!;
        try
        {
            ct.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(disposed, this);
            if (time.GetElapsedTime(askedAt) > limit)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"gave up waiting for the SQLite write lock after {limit.TotalSeconds:0.#} s (Storage:CommandTimeoutSeconds)"));
            }

            var group = current ??= await BeginAsync(ct).ConfigureAwait(false);
            var savepoint = $"unit{++group.Savepoints}";
            await group.Transaction.SaveAsync(savepoint, CancellationToken.None).ConfigureAwait(false);
            bind(group.Connection, group.Transaction, actions);
            try
            {
                result = await work(group.Connection, group.Transaction).ConfigureAwait(false);
                await group.Transaction.ReleaseAsync(savepoint, CancellationToken.None).ConfigureAwait(false);
                group.Members++;
                committed = group.Committed.Task;
            }
            catch (Exception e)
            {
                failed = ExceptionDispatchInfo.Capture(e);
                await UndoAsync(group, savepoint).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            failed ??= ExceptionDispatchInfo.Capture(e); // cancelled, gave up, or BEGIN failed
            blocked |= e is TimeoutException || (e is DbException d && DbErrors.IsTransientConflict(d));
        }
        finally
        {
            if (current is { } group && (Volatile.Read(ref waiting) == 0 || group.Members >= MaxGroup || group.Poisoned is not null))
            {
                current = null;
                await CommitAsync(group).ConfigureAwait(false);
            }

            hold.Held = false;
            gate.Release();
        }

        failed?.Throw();
        await committed!.ConfigureAwait(false);
        foreach (var action in actions)
        {
            action();
        }

        return result;
    }

    /// <summary>
    /// Whether writes are blocked: the last writer gave up waiting for the write lock, or SQLite answered busy when it began,
    /// and no group has committed since (readiness reports it: reads still work, writes do not).
    /// </summary>
    public bool Blocked => blocked;

    /// <summary>Units of work waiting for the write lock now (the one holding it not counted): the queue's depth.</summary>
    public int Waiting => Volatile.Read(ref waiting);

    /// <summary>
    /// Shuts the writer down: no unit of work starts from now on (each gets <see cref="ObjectDisposedException"/>); the one
    /// running ends first, and the group it may have left open is committed, so nothing writes to the file once this returns
    /// (a unit still running after <see cref="limit"/> is cut off with its connection, as before).
    /// </summary>
    public void Dispose()
    {
        disposed = true;
        var held = gate.Wait(limit);
        try
        {
            if (held && current is { } group)
            {
                current = null;
                CommitAsync(group).GetAwaiter().GetResult();
            }

            writer?.Dispose();
            writer = null;
        }
        finally
        {
            if (held)
            {
                gate.Release(); // the units still queued then fail at once instead of waiting for ever
            }
        }
    }

    private async Task<Group> BeginAsync(CancellationToken ct)
    {
        if (writer is SqliteConnection { DataSource: var file } && Path.IsPathRooted(file) && !File.Exists(file))
        {
            // The file this connection holds open is no longer where the database is (its volume or folder went away,
            // or it was moved): writing on would go to a file nobody reads. Reopen, which fails while it is gone.
            await DropWriterAsync().ConfigureAwait(false);
        }

        var connection = writer ??= await open(ct).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            return new Group(connection, transaction);
        }
        catch
        {
            await DropWriterAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task DropWriterAsync()
    {
        if (writer is { } connection)
        {
            writer = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Rolls one failed unit back to its savepoint; if even that fails, the group cannot commit safely.</summary>
    private static async Task UndoAsync(Group group, string savepoint)
    {
        try
        {
            await group.Transaction.RollbackAsync(savepoint, CancellationToken.None).ConfigureAwait(false);
            await group.Transaction.ReleaseAsync(savepoint, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            group.Poisoned = e;
        }
    }

    /// <summary>
    /// COMMITs the group (or rolls it back when poisoned) and ends every member's wait; a failed COMMIT or a poisoned group
    /// drops the connection, whose state is then unknown.
    /// </summary>
    private async Task CommitAsync(Group group)
    {
        var clean = group.Poisoned is null;
        try
        {
            if (group.Poisoned is { } poison)
            {
                await group.Transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                group.Committed.TrySetException(new GroupRolledBackException(poison));
            }
            else
            {
                await group.Transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                blocked = false;
                group.Committed.TrySetResult();
            }
        }
        catch (Exception e)
        {
            clean = false;
            group.Committed.TrySetException(e);
        }

        bind(group.Connection, group.Transaction, null);
        await group.Transaction.DisposeAsync().ConfigureAwait(false);
        if (!clean)
        {
            await DropWriterAsync().ConfigureAwait(false);
        }
    }

    private sealed class Group(DbConnection connection, DbTransaction transaction)
    {
        public DbConnection Connection { get; } = connection;

        public DbTransaction Transaction { get; } = transaction;

        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Members { get; set; }

        public int Savepoints { get; set; }

        public Exception? Poisoned { get; set; }
    }

    private sealed class Hold
    {
        private volatile bool held;

        public bool Held
        {
            get => held;
            set => held = value;
        }
    }
}

/// <summary>
/// A unit of work that succeeded was rolled back with its group, because another member's failure could not be undone
/// alone. Transient: the unit runs again.
/// </summary>
public sealed class GroupRolledBackException(Exception cause)
    : Exception("the group of writes this one was committed with was rolled back; it will run again", cause);
