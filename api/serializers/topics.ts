/** Topics as the API renders them, alone and with one contact's subscription. */
import type { ContactTopic, TopicDoc } from '../../repositories/topics.js';
import { timestamp } from './time.js';

export function topicListItem(topic: TopicDoc) {
  return {
    id: topic._id,
    name: topic.name,
    description: topic.description,
    default_subscription: topic.default_subscription,
    created_at: timestamp(topic.created_at),
  };
}

export function topicObject(topic: TopicDoc) {
  return { object: 'topic' as const, ...topicListItem(topic) };
}

/** Renders the fields of Resend's `ContactTopic` type. */
export function contactTopicItem({ topic, subscription }: ContactTopic) {
  return { id: topic._id, name: topic.name, description: topic.description, subscription };
}
