using System.Text;
using Akka.Actor;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Admin;

/// <summary>
/// Answers one listing (status, prioritystatus, show jobs, show unique jobs) by asking every queue for its counters
/// and formatting the replies as gearmand does. One short-lived actor per request, so a slow queue delays only it.
/// </summary>
public sealed class AdminQuery : UntypedActor
{
    private readonly BrokerContext _ctx;
    private readonly AdminVerb _verb;
    private readonly IActorRef _replyTo;
    private readonly long _seq;
    private readonly List<QueueStats> _stats = new();
    private int _expected;

    public AdminQuery(BrokerContext ctx, AdminVerb verb, IActorRef replyTo, long seq)
    {
        _ctx = ctx;
        _verb = verb;
        _replyTo = replyTo;
        _seq = seq;
    }

    public static Props Props(BrokerContext ctx, AdminVerb verb, IActorRef replyTo, long seq) =>
        Akka.Actor.Props.Create(() => new AdminQuery(ctx, verb, replyTo, seq));

    protected override void PreStart()
    {
        var withJobs = _verb is AdminVerb.ShowJobs or AdminVerb.ShowUniqueJobs;
        foreach (var (function, queue) in _ctx.Directory.Queues)
        {
            queue.Tell(new GetQueueStats(function, Self, withJobs));
            _expected++;
        }
        if (_expected == 0) Finish();
        else Context.SetReceiveTimeout(_ctx.Settings.AdminTimeout);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case QueueStats s:
                _stats.Add(s);
                if (_stats.Count == _expected) Finish();
                break;
            case ReceiveTimeout:
                Finish();
                break;
        }
    }

    private void Finish()
    {
        var sb = new StringBuilder();
        foreach (var s in _stats.OrderBy(s => s.Function, StringComparer.Ordinal))
        {
            switch (_verb)
            {
                case AdminVerb.Status:
                    AdminReplies.AppendStatus(sb, s.Function, s.Total, s.Running, s.Workers);
                    break;
                case AdminVerb.PriorityStatus:
                    AdminReplies.AppendPriorityStatus(sb, s.Function, s.High, s.Normal, s.Low, s.Workers);
                    break;
                case AdminVerb.ShowJobs:
                    foreach (var j in s.Jobs) AdminReplies.AppendJob(sb, j.Handle, j.Retries, false, j.Background);
                    break;
                case AdminVerb.ShowUniqueJobs:
                    foreach (var j in s.Jobs.Where(j => j.Unique.Length > 0)) sb.Append(j.Unique).Append('\n');
                    break;
            }
        }
        _replyTo.Tell(new AdminText(_seq, sb.Append(AdminReplies.End).ToString()));
        Context.Stop(Self);
    }
}
