using System.Text;
using Akka.Actor;
using Gearman.Actors.Directory;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Admin;

/// <summary>
/// Answers one listing (workers, status, prioritystatus, show jobs, show unique jobs) for the whole cluster: it asks
/// every node for its queues and connections, then every queue for its counters, and formats the result as
/// gearmand does. One short-lived actor per request, so a slow node delays only that request.
/// </summary>
public sealed class AdminQuery : UntypedActor
{
    private readonly BrokerContext _ctx;
    private readonly AdminVerb _verb;
    private readonly IActorRef _replyTo;
    private readonly long _seq;
    private readonly List<QueueStats> _stats = new();
    private readonly List<ConnectionInfo> _connections = new();
    private readonly Dictionary<string, IActorRef> _queues = new(StringComparer.Ordinal);
    private int _nodes;
    private int _listings;
    private int _expectedStats;

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
        var nodes = NodeDirectoryActor.OfAllNodes(Context);
        _nodes = nodes.Count;
        foreach (var node in nodes) node.Tell(new ListNode(0));
        if (_nodes == 0) Finish();
        else Context.SetReceiveTimeout(_ctx.Settings.AdminTimeout);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case NodeListing listing:
                _connections.AddRange(listing.Connections);
                // During a hand-off a function can briefly show on two nodes; one queue per function is listed.
                foreach (var q in listing.Queues) _queues.TryAdd(q.Function, q.Queue);
                if (++_listings == _nodes) AskQueues();
                break;
            case QueueStats s:
                _stats.Add(s);
                if (_stats.Count == _expectedStats) Finish();
                break;
            case ReceiveTimeout:
                Finish();
                break;
        }
    }

    private void AskQueues()
    {
        if (_verb == AdminVerb.Workers)
        {
            Finish();
            return;
        }
        var withJobs = _verb is AdminVerb.ShowJobs or AdminVerb.ShowUniqueJobs;
        foreach (var (function, queue) in _queues) queue.Tell(new GetQueueStats(function, Self, withJobs));
        _expectedStats = _queues.Count;
        if (_expectedStats == 0) Finish();
    }

    private void Finish()
    {
        var sb = new StringBuilder();
        if (_verb == AdminVerb.Workers)
        {
            foreach (var c in _connections) AdminReplies.AppendWorker(sb, c.Id, c.Ip, c.ClientId, c.Functions);
        }
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
