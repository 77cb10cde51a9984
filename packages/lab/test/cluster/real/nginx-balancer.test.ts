/**
 * Real nginx in front of fixture instances: the shared behaviour of every real balancer.
 */
import { realBalancerSuite } from './suite.js';

realBalancerSuite('nginx');
