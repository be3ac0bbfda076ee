// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;
using PveTokens.Client;
using PveTokens.Models;

namespace PveTokens.Commands;

/// <summary>
/// What every PveTokens cmdlet shares: cancellation (Ctrl+C cancels the running call), async client
/// calls awaited on the pipeline thread with <see cref="Run{T}"/>, a verbose line per HTTP call
/// (written on the pipeline thread), session resolution and the error mapping of
/// <see cref="ErrorMapper"/>. Cmdlets that work on a server derive from
/// <see cref="PveSessionCmdletBase"/>, which adds -Session.
/// </summary>
public abstract class PveCmdletBase : PSCmdlet, IDisposable
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(200);

    private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();
    // Call records and client notices (retries, verified writes), in the order they happened.
    private readonly ConcurrentQueue<object> _calls = new ConcurrentQueue<object>();

    /// <summary>Cancelled when the pipeline stops (Ctrl+C, Select-Object -First).</summary>
    protected CancellationToken CancelToken => _cancellation.Token;

    /// <summary>
    /// Runs one async client operation and waits for it on the pipeline thread, writing a verbose
    /// line per HTTP call as calls complete. A stop turns into <see cref="PipelineStoppedException"/>;
    /// client failures propagate for the caller to map with <see cref="MapError(Exception, object?, PveSession)"/>.
    /// </summary>
    internal T Run<T>(Func<CancellationToken, Task<T>> operation)
    {
        using IDisposable observing = HttpCallObserver.Begin(_calls.Enqueue, _calls.Enqueue);
        try
        {
            Task<T> task = operation(CancelToken);
            while (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(FlushInterval))
            {
                FlushCallRecords();
            }

            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            FlushCallRecords();
        }
    }

    /// <summary><see cref="Run{T}"/> for operations without a result.</summary>
    internal void Run(Func<CancellationToken, Task> operation) =>
        Run<bool>(async ct =>
        {
            await operation(ct).ConfigureAwait(false);
            return true;
        });

    /// <summary>
    /// The explicit session if given, else the runspace's default. Terminates with NoSession when
    /// there is none and with SessionClosed for a disconnected one.
    /// </summary>
    internal PveSession ResolveSession(PveSession? explicitSession)
    {
        PveSession? session = explicitSession ?? SessionRegistry.Current.Default;
        if (session is null)
        {
            ThrowTerminatingError(ErrorMapper.NoSession());
        }

        if (!session!.IsOpen)
        {
            ThrowTerminatingError(ErrorMapper.Map(new SessionClosedException(session), session, session));
        }

        return session;
    }

    /// <summary>The ErrorRecord for a client failure (see <see cref="ErrorMapper"/> for the ids).</summary>
    internal static ErrorRecord MapError(Exception e, object? target, PveSession session) => ErrorMapper.Map(e, target, session);

    /// <summary>The cmdlet's begin block (BeginProcessing), guarded as <see cref="Guarded"/> says.</summary>
    protected virtual void Begin()
    {
    }

    /// <summary>The cmdlet's process block (ProcessRecord), guarded as <see cref="Guarded"/> says.</summary>
    protected virtual void Process()
    {
    }

    /// <summary>The cmdlet's end block (EndProcessing), guarded as <see cref="Guarded"/> says.</summary>
    protected virtual void End()
    {
    }

    protected sealed override void BeginProcessing() => Guarded(Begin);

    protected sealed override void ProcessRecord() => Guarded(Process);

    protected sealed override void EndProcessing() => Guarded(End);

    protected override void StopProcessing() => _cancellation.Cancel();

    public void Dispose()
    {
        _cancellation.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Runs one block of the cmdlet. An exception the cmdlet did not map (a bug, or a .NET or
    /// PowerShell API failing in a way nobody foresaw) would reach the user as its raw type and
    /// message, and a message may quote input, secrets included: it ends the command as
    /// UnexpectedError instead, scrubbed (<see cref="ErrorMapper.Unexpected"/>). PowerShell's own flow
    /// passes through: a stop, a terminating error the cmdlet threw, -ErrorAction Stop.
    /// </summary>
    private void Guarded(Action block)
    {
        try
        {
            block();
        }
        catch (Exception e) when (e is not (PipelineStoppedException or CmdletInvocationException or ActionPreferenceStopException or HaltCommandException))
        {
            ThrowTerminatingError(ErrorMapper.Unexpected(e, MyInvocation.MyCommand?.Name));
        }
    }

    private void FlushCallRecords()
    {
        while (_calls.TryDequeue(out object? item))
        {
            switch (item)
            {
                case HttpCallRecord record:
                    WriteVerbose($"{record.Server} {record}");
                    break;
                case ClientNotice { Level: ClientNoticeLevel.Warning } warning:
                    WriteWarning(warning.Text);
                    break;
                case ClientNotice notice:
                    WriteVerbose(notice.Text);
                    break;
            }
        }
    }
}
